// Remote models against a real nginx laid out like the Hub (tests/support/hubserver): locations, headers in one or
// two requests at and around the speculative range size, sharded repos, redirects and tokens, 429 and a connection
// cut mid-body, tensor bytes on demand through the block cache. Bytes and requests are counted from nginx's log.
#include "core/format/model.h"
#include "core/format/safetensorsfile.h"
#include "core/io/bytesource.h"
#include "core/remote/blockcache.h"
#include "core/remote/fetchedtensor.h"
#include "core/remote/httpclient.h"
#include "core/remote/hubconfig.h"
#include "core/remote/location.h"
#include "core/remote/modellocation.h"
#include "core/remote/remoteheaders.h"
#include "core/values/tensorslice.h"
#include "core/values/tensorstats.h"
#include "support/fixtures.h"
#include "support/hubserver.h"
#include "support/processstatus.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>

using namespace safescope;
using namespace safescope::test;

namespace {

constexpr uint64_t kS = kSpeculativeHeaderBytes;

/// A file whose header is exactly `length` bytes (JSON padded with spaces): F32 "a" [64, 48] and BF16 "b" [100].
QByteArray fileWithHeaderLength(uint64_t length)
{
    const QByteArray a = patternBytes(64 * 48 * 4, 7);
    const QByteArray b = patternBytes(200, 9);
    QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}," + tensorJson("a", "F32", {64, 48}, 0, 12288) + "," +
                        tensorJson("b", "BF16", {100}, 12288, 12488) + "}";
    if (static_cast<uint64_t>(header.size()) > length)
        return {};
    header = header.leftJustified(static_cast<qsizetype>(length), ' ');
    return rawFile(header, a + b);
}

uint64_t bodyBytes(const std::vector<HubServer::Request>& requests)
{
    uint64_t total = 0;
    for (const auto& request : requests)
        total += request.bodyBytes;
    return total;
}

/// A shard of `tensors` F32 tensors named prefix.i of 256 values each.
QByteArray shard(const QByteArray& prefix, int tensors, uint32_t seed)
{
    QByteArray header = "{";
    QByteArray data;
    for (int i = 0; i < tensors; ++i) {
        const uint64_t begin = static_cast<uint64_t>(data.size());
        data += patternBytes(1024, seed + static_cast<uint32_t>(i));
        header += (i ? "," : "") + tensorJson(prefix + '.' + QByteArray::number(i), "F32", {256}, begin, begin + 1024);
    }
    return rawFile(header + "}", data);
}

} // namespace

class TestRemote : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(m_cacheDir.isValid());
        // Before anything reads them: the shared cache and client are made once per process.
        qputenv("SAFESCOPE_REMOTE_CACHE_DIR", m_cacheDir.path().toUtf8());
        qunsetenv("HF_TOKEN");
        qputenv("HF_HOME", m_cacheDir.path().toUtf8() + "/hfhome");
        QVERIFY2(m_server.start(), qPrintable(m_server.errorText()));
        qputenv("HF_ENDPOINT", m_server.endpoint().toUtf8());

        // A sharded repo (3 shards), a single-file repo at a tag with a file in a subfolder, a diffusers-like repo.
        QByteArray index = "{\"metadata\":{\"total_size\":15360},\"weight_map\":{";
        for (int s = 0; s < 3; ++s) {
            const QString name = QStringLiteral("model-%1-of-00003.safetensors").arg(s + 1, 5, 10, QLatin1Char('0'));
            m_server.addFile(QStringLiteral("acme/sharded"), QStringLiteral("main"), name,
                             shard("layer" + QByteArray::number(s), 5, 100 * s));
            for (int i = 0; i < 5; ++i)
                index += QByteArray(s || i ? "," : "") + "\"layer" + QByteArray::number(s) + '.' +
                         QByteArray::number(i) + "\":\"" + name.toLatin1() + '"';
        }
        index += "}}";
        m_server.addFile(QStringLiteral("acme/sharded"), QStringLiteral("main"),
                         QStringLiteral("model.safetensors.index.json"), index);
        m_server.addFile(QStringLiteral("acme/sharded"), QStringLiteral("main"), QStringLiteral("config.json"), "{}");
        m_server.publish(QStringLiteral("acme/sharded"), QStringLiteral("main"));

        m_single = fileWithHeaderLength(400);
        m_server.addFile(QStringLiteral("acme/single"), QStringLiteral("v1"), QStringLiteral("sub/w.safetensors"),
                         m_single);
        m_server.publish(QStringLiteral("acme/single"), QStringLiteral("v1"));
        m_server.addFile(QStringLiteral("acme/pipe"), QStringLiteral("main"),
                         QStringLiteral("unet/diffusion_pytorch_model.safetensors"), shard("conv", 2, 5));
        m_server.addFile(QStringLiteral("acme/pipe"), QStringLiteral("main"), QStringLiteral("model_index.json"), "{}");
        m_server.publish(QStringLiteral("acme/pipe"), QStringLiteral("main"));
        for (const char* repo : {"cdn/model", "private/model", "throttled/model"}) {
            m_server.addFile(QString::fromLatin1(repo), QStringLiteral("main"), QStringLiteral("model.safetensors"),
                             m_single);
            m_server.publish(QString::fromLatin1(repo), QStringLiteral("main"));
        }
        QVERIFY(m_local.isValid());
        m_singlePath = writeFile(m_local, QStringLiteral("single.safetensors"), m_single);
    }

    void locations_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("kind");
        QTest::addColumn<QString>("repo");
        QTest::addColumn<QString>("revision");
        QTest::addColumn<QString>("subpath");
        QTest::addColumn<bool>("valid");
        const int local = int(Location::Kind::LocalPath), url = int(Location::Kind::Url),
                  hub = int(Location::Kind::Hub);
        QTest::newRow("local") << "models/a.safetensors" << local << ""
                               << ""
                               << "" << true;
        QTest::newRow("https") << "https://h.example/x/model.safetensors" << url << ""
                               << ""
                               << "" << true;
        QTest::newRow("repo") << "hf://acme/m" << hub << "acme/m"
                              << "main"
                              << "" << true;
        QTest::newRow("revision") << "hf://acme/m@v1.0" << hub << "acme/m"
                                  << "v1.0"
                                  << "" << true;
        QTest::newRow("folder") << "hf://acme/m@dev/unet/" << hub << "acme/m"
                                << "dev"
                                << "unet" << true;
        QTest::newRow("file") << "hf://acme/m/a/b.safetensors" << hub << "acme/m"
                              << "main"
                              << "a/b.safetensors" << true;
        QTest::newRow("no repo") << "hf://acme" << hub << ""
                                 << ""
                                 << "" << false;
        QTest::newRow("empty revision") << "hf://acme/m@" << hub << ""
                                        << ""
                                        << "" << false;
        QTest::newRow("dot dot") << "hf://acme/m/../x" << hub << ""
                                 << ""
                                 << "" << false;
        QTest::newRow("no host") << "https:///x.safetensors" << url << ""
                                 << ""
                                 << "" << false;
    }
    void locations()
    {
        QFETCH(QString, text);
        QFETCH(int, kind);
        QFETCH(QString, repo);
        QFETCH(QString, revision);
        QFETCH(QString, subpath);
        QFETCH(bool, valid);
        const auto parsed = parseLocation(text);
        QCOMPARE(parsed.ok(), valid);
        if (!valid) {
            QCOMPARE(parsed.error().kind, ErrorKind::InvalidArgument);
            QVERIFY(parsed.error().message.contains(text));
            return;
        }
        QCOMPARE(int(parsed->kind), kind);
        QCOMPARE(parsed->repo, repo);
        QCOMPARE(parsed->revision, revision);
        QCOMPARE(parsed->subpath, subpath);
    }

    void hubConfigReadsTokenLikeHuggingfaceHub()
    {
        QTemporaryDir home;
        QVERIFY(QDir().mkpath(home.path() + QStringLiteral("/hf")));
        writeFile(home, QStringLiteral("hf/token"), "file-token\n");
        const QByteArray oldHome = qgetenv("HF_HOME");
        qputenv("HF_HOME", home.path().toUtf8() + "/hf");
        QCOMPARE(HubConfig::fromEnvironment().token, QByteArray("file-token"));
        qputenv("HF_TOKEN", "env-token");
        QCOMPARE(HubConfig::fromEnvironment().token, QByteArray("env-token"));
        qunsetenv("HF_TOKEN");
        qputenv("HF_HOME", oldHome);
        const HubConfig config = HubConfig::fromEnvironment();
        QCOMPARE(config.endpoint.toString(), m_server.endpoint());
        QCOMPARE(config.fileUrl(QStringLiteral("o/r"), QStringLiteral("refs/pr/1"), QStringLiteral("a b/c"))
                     .toString(QUrl::FullyEncoded),
                 m_server.endpoint() + QStringLiteral("/o/r/resolve/refs%2Fpr%2F1/a%20b/c"));
        // The token goes to the Hub's host only.
        HubConfig withToken = config;
        withToken.token = "t";
        QCOMPARE(withToken.tokenFor(QUrl(QStringLiteral("http://elsewhere.example/x"))), QByteArray());
        QCOMPARE(withToken.tokenFor(QUrl(m_server.endpoint() + QStringLiteral("/x"))), QByteArray("t"));
    }

    // The known bug class: a header whose length lies near the speculative range. 8 + N = S - 1, S, S + 1 and 2S.
    void headerAroundSpeculativeRange_data()
    {
        QTest::addColumn<quint64>("headerLength");
        QTest::newRow("small") << quint64(400);
        QTest::newRow("8+N = S-1") << quint64(kS - 9);
        QTest::newRow("8+N = S") << quint64(kS - 8);
        QTest::newRow("8+N = S+1") << quint64(kS - 7);
        QTest::newRow("N = S") << quint64(kS);
        QTest::newRow("8+N = 2S") << quint64(2 * kS - 8);
    }
    void headerAroundSpeculativeRange()
    {
        QFETCH(quint64, headerLength);
        const QByteArray bytes = fileWithHeaderLength(headerLength);
        QVERIFY(!bytes.isEmpty());
        const QString name = QStringLiteral("h%1.safetensors").arg(headerLength);
        const QString url = m_server.addPlainFile(name, bytes);
        const QString local = writeFile(m_local, name, bytes);
        m_server.clearLog();
        auto remote = openModelLocation(url, OpenMode::Strict);
        QVERIFY2(remote.ok(), remote.ok() ? "" : qPrintable(remote.error().describe()));
        auto expected = Model::open(local, OpenMode::Strict);
        QVERIFY(expected.ok());
        QCOMPARE((*remote)->tensorCount(), (*expected)->tensorCount());
        QCOMPARE((*remote)->shards().front().file->header().headerLength, headerLength);
        QCOMPARE((*remote)->shards().front().file->header().fileSize, uint64_t(bytes.size()));
        QCOMPARE((*remote)->metadata().size(), size_t(1));
        for (size_t i = 0; i < (*expected)->tensorCount(); ++i) {
            QCOMPARE((*remote)->qualifiedName(i), (*expected)->qualifiedName(i));
            QCOMPARE((*remote)->absoluteOffset(i), (*expected)->absoluteOffset(i));
        }
        // One request when the header fits the first range, else exactly one more for the rest; the bodies add up
        // to the first range plus the rest of the header, never more.
        const auto requests = m_server.clientRequests();
        const uint64_t headerEnd = 8 + headerLength;
        const uint64_t first = std::min<uint64_t>(kS, uint64_t(bytes.size()));
        QCOMPARE(requests.size(), size_t(headerEnd <= kS ? 1 : 2));
        QCOMPARE(bodyBytes(requests), first + (headerEnd > first ? headerEnd - first : 0));
        QCOMPARE(requests.front().range, QByteArray("bytes=0-") + QByteArray::number(kS - 1));
        if (requests.size() == 2)
            QCOMPARE(requests[1].range, "bytes=" + QByteArray::number(kS) + '-' + QByteArray::number(headerEnd - 1));
    }

    void shardedRepoFetchesHeadersOnly()
    {
        m_server.clearLog();
        auto model = openModelLocation(QStringLiteral("hf://acme/sharded"));
        QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error().describe()));
        QCOMPARE((*model)->source(), Model::Source::ShardedIndex);
        QCOMPARE((*model)->tensorCount(), size_t(15));
        QCOMPARE((*model)->shards().size(), size_t(3));
        QVERIFY2((*model)->warnings().empty(), "index and shards agree");
        QVERIFY(isRemoteModel(**model));
        // The Hub's LFS sha256 reached each shard.
        for (const auto& s : (*model)->shards())
            QCOMPARE(s.file->byteSource()->sha256().size(), 64);
        // 1 API listing + 1 index + 1 range per shard (each header is far below the first range).
        const auto requests = m_server.clientRequests();
        QCOMPARE(requests.size(), size_t(5));
        int ranges = 0;
        for (const auto& request : requests)
            ranges += request.range.startsWith("bytes=0-") ? 1 : 0;
        QCOMPARE(ranges, 3);
    }

    void revisionSubfolderAndFile()
    {
        auto file = openModelLocation(QStringLiteral("hf://acme/single@v1/sub/w.safetensors"));
        QVERIFY2(file.ok(), file.ok() ? "" : qPrintable(file.error().describe()));
        QCOMPARE((*file)->tensorCount(), size_t(2));
        auto folder = openModelLocation(QStringLiteral("hf://acme/single@v1/sub"));
        QVERIFY(folder.ok());
        auto component = openModelLocation(QStringLiteral("hf://acme/pipe/unet"));
        QVERIFY(component.ok());
        QCOMPARE((*component)->tensorCount(), size_t(2));
        // The root of a pipeline has no weights: the error names the folders that do.
        auto root = openModelLocation(QStringLiteral("hf://acme/pipe"));
        QVERIFY(!root.ok());
        QVERIFY2(root.error().message.contains(QLatin1String("unet")), qPrintable(root.error().message));
        auto wrongRevision = openModelLocation(QStringLiteral("hf://acme/single@nope"));
        QVERIFY(!wrongRevision.ok());
        QVERIFY2(wrongRevision.error().message.contains(QLatin1String("404")),
                 qPrintable(wrongRevision.error().message));
    }

    void redirectDropsTokenAndPrivateRepoNeedsIt()
    {
        m_server.clearLog();
        auto cdn = openModelLocation(QStringLiteral("hf://cdn/model"));
        QVERIFY2(cdn.ok(), cdn.ok() ? "" : qPrintable(cdn.error().describe()));
        bool sawRedirect = false;
        for (const auto& request : m_server.clientRequests())
            sawRedirect |= request.status == 302;
        QVERIFY(sawRedirect);

        auto refused = openModelLocation(QStringLiteral("hf://private/model"));
        QVERIFY(!refused.ok());
        QVERIFY2(refused.error().message.contains(QLatin1String("401")) &&
                     refused.error().message.contains(QLatin1String("HF_TOKEN")),
                 qPrintable(refused.error().message));

        qputenv("HF_TOKEN", HubServer::token());
        m_server.clearLog();
        auto allowed = openModelLocation(QStringLiteral("hf://private/model"));
        qunsetenv("HF_TOKEN");
        QVERIFY2(allowed.ok(), allowed.ok() ? "" : qPrintable(allowed.error().describe()));
        // The Hub saw the token; the CDN (which answers 400 to any Authorization) saw none and served the range.
        int cdnRanges = 0;
        for (const auto& request : m_server.clientRequests()) {
            if (request.port == m_server.cdnPort()) {
                QVERIFY(request.authorization.isEmpty());
                cdnRanges += request.status == 206 ? 1 : 0;
            } else {
                QCOMPARE(request.authorization, "Bearer " + HubServer::token());
            }
        }
        QCOMPARE(cdnRanges, 1);
        // Tensor bytes come through the CDN as well.
        const std::atomic_bool cancel{false};
        auto fetched = FetchedTensor::fetchWhole(**allowed, 1, &cancel);
        QVERIFY2(fetched.ok(), fetched.ok() ? "" : qPrintable(fetched.error().describe()));
    }

    void tooManyRequestsIsRetried()
    {
        // limit_req lets one request a second through: the first takes the slot, the open right after gets 429.
        const QUrl url(m_server.endpoint() + QStringLiteral("/throttled/model/resolve/main/model.safetensors"));
        auto warmUp = HttpClient::shared().get({url, std::pair<uint64_t, uint64_t>{0, 8}, {}});
        QVERIFY(warmUp.ok());
        QCOMPARE(warmUp->status, 206);
        m_server.clearLog();
        auto model = openModelLocation(url.toString());
        QVERIFY2(model.ok(), model.ok() ? "" : qPrintable(model.error().describe()));
        const auto requests = m_server.clientRequests();
        QVERIFY(requests.size() >= 2);
        QCOMPARE(requests.front().status, 429);
        QCOMPARE(requests.back().status, 206);
    }

    void connectionCutMidBodyResumes()
    {
        // /cut/ proxies a server that stalls after 600 KiB; the proxy gives up and closes the connection mid-body.
        const QByteArray bytes = patternBytes(1536 * 1024, 3);
        m_server.addFile(QStringLiteral("cut/model"), QStringLiteral("main"), QStringLiteral("big.bin"), bytes);
        const QUrl url(m_server.endpoint() + QStringLiteral("/cut/model/resolve/main/big.bin"));
        m_server.clearLog();
        auto answer = HttpClient::shared().get({url, std::pair<uint64_t, uint64_t>{1000, 1000 + (1 << 20)}, {}});
        QVERIFY2(answer.ok(), answer.ok() ? "" : qPrintable(answer.error().describe()));
        QCOMPARE(answer->status, 206);
        QCOMPARE(answer->body, bytes.mid(1000, 1 << 20));
        // The first attempt was cut; a later one asked for exactly the rest of it. (Qt may resend a request whose
        // connection closed once by itself before reporting it, so the resume need not be the second line.)
        const auto requests = m_server.clientRequests();
        QVERIFY2(requests.size() >= 2, "the first attempt was cut");
        QCOMPARE(requests[0].range, QByteArray("bytes=1000-1049575"));
        QVERIFY(requests[0].bodyBytes < (1u << 20));
        const QByteArray resumed = "bytes=" + QByteArray::number(1000 + requests[0].bodyBytes) + "-1049575";
        QVERIFY(std::any_of(requests.begin(), requests.end(), [&](const auto& r) { return r.range == resumed; }));
        for (const auto& r : requests)
            QVERIFY2(r.range == resumed || r.range == requests[0].range, r.range.constData());
    }

    void cancelStopsARunningRequest()
    {
        // The cut file stalls after 600 KiB for 300 ms: the request is still running when Cancel is seen (50 ms).
        const QUrl url(m_server.endpoint() + QStringLiteral("/cut/model/resolve/main/big.bin"));
        const std::atomic_bool cancel{true};
        auto answer = HttpClient::shared().get({url, std::pair<uint64_t, uint64_t>{0, 1 << 20}, {}}, &cancel);
        QVERIFY(!answer.ok());
        QCOMPARE(answer.error().kind, ErrorKind::Cancelled);
    }

    void valuesOnDemandMatchLocalAndAreCached()
    {
        const QString url = m_server.addPlainFile(QStringLiteral("values.safetensors"), m_single);
        auto remote = openModelLocation(url);
        QVERIFY(remote.ok());
        auto local = Model::open(m_singlePath);
        QVERIFY(local.ok());
        const std::atomic_bool cancel{false};

        m_server.clearLog();
        std::vector<double> fractions;
        auto window = FetchedTensor::fetchWindow(**remote, 0, defaultSliceSpec(std::vector<uint64_t>{64, 48}), 10, 2, 5,
                                                 3, &cancel, [&](double f) { fractions.push_back(f); });
        QVERIFY(window.ok());
        // Progress of a window fetch (the slice CSV export shows it): rising, ending at every byte fetched.
        QVERIFY(!fractions.empty());
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
        QCOMPARE(fractions.back(), 1.0);
        std::vector<double> got(6), want(6);
        QVERIFY(
            extractWindow((*window)->view(), defaultSliceSpec(std::vector<uint64_t>{64, 48}), 10, 2, 5, 3, got.data())
                .ok());
        QVERIFY(
            extractWindow(viewOf(**local, 0), defaultSliceSpec(std::vector<uint64_t>{64, 48}), 10, 2, 5, 3, want.data())
                .ok());
        QCOMPARE(got, want);
        QCOMPARE((*window)->bytesRead(), uint64_t(4096)); // one page of the 12 KiB tensor
        QCOMPARE(m_server.clientRequests().size(), size_t(1));

        auto whole = FetchedTensor::fetchWhole(**remote, 0, &cancel);
        QVERIFY(whole.ok());
        auto remoteStats = computeStats((*whole)->view(), {}, cancel);
        auto localStats = computeStats(viewOf(**local, 0), {}, cancel);
        QVERIFY(remoteStats.ok() && localStats.ok());
        QCOMPARE(remoteStats->mean, localStats->mean);
        QCOMPARE(remoteStats->histogram.counts, localStats->histogram.counts);
        QCOMPARE(remoteStats->percentiles, localStats->percentiles);

        // The file is one cache block: a second look costs no request.
        m_server.clearLog();
        auto again = FetchedTensor::fetchWhole(**remote, 1, &cancel);
        QVERIFY(again.ok());
        QCOMPARE(m_server.clientRequests().size(), size_t(0));
        QCOMPARE(std::memcmp((*again)->view().data, m_single.constData() + (*local)->absoluteOffset(1), 200), 0);
    }

    void largeFetchIsFileBackedNotAnonymous()
    {
        // A tensor well above FetchedTensor::kFileBackedBytes: fetched whole, its bytes must land in a nameless file
        // in the cache folder (file cache the kernel can evict), not in anonymous memory.
        if (procStatusKiB("RssAnon") == 0)
            QSKIP("RssAnon is only reported by Linux");
#if defined(__SANITIZE_ADDRESS__)
        // AddressSanitizer keeps freed blocks in its quarantine (256 MiB by default), so every 1 MiB network buffer
        // already released still counts as anonymous memory: the bound measures ASan, not the fetch.
        QSKIP("anonymous memory is not measurable under AddressSanitizer (its quarantine holds freed buffers)");
#endif
        constexpr uint64_t kElements = uint64_t{24} << 20; // 96 MiB of F32
        QByteArray data(static_cast<qsizetype>(kElements * 4), Qt::Uninitialized);
        for (qsizetype i = 0; i < data.size(); i += 4096)
            data[i] = static_cast<char>(i / 4096);
        const QByteArray file = rawFile("{" + tensorJson("big", "F32", {kElements}, 0, kElements * 4) + "}", data);
        data = QByteArray();
        const QString url = m_server.addPlainFile(QStringLiteral("big.safetensors"), file);
        auto remote = openModelLocation(url);
        QVERIFY(remote.ok());
        const std::atomic_bool cancel{false};

        const uint64_t before = procStatusKiB("RssAnon");
        auto whole = FetchedTensor::fetchWhole(**remote, 0, &cancel);
        QVERIFY(whole.ok());
        // Every fetched byte is right (and every page touched, so all of it is resident or written back).
        QCOMPARE(std::memcmp((*whole)->view().data, file.constData() + (*remote)->absoluteOffset(0), kElements * 4), 0);
        const uint64_t grown = procStatusKiB("RssAnon") - std::min(before, procStatusKiB("RssAnon"));
        qInfo("anonymous memory grew by %llu KiB fetching a 96 MiB tensor", static_cast<unsigned long long>(grown));
        // Chunks in flight and the allocator's slack, far below the 96 MiB an anonymous buffer would add.
        QVERIFY2(grown < 40 * 1024, qPrintable(QStringLiteral("anonymous memory grew by %1 KiB").arg(grown)));
        // The backing file has no name: nothing is left in the cache folder's buffers.
        QVERIFY(QDir(m_cacheDir.path() + QStringLiteral("/buffers")).entryList(QDir::Files).isEmpty());
    }

    void windowRangesCoverOnlyTheWindow()
    {
        // A 1000 x 1000 F32 tensor, rows 3..4, columns 10..12: two runs of 12 bytes, 4000 bytes apart.
        TensorView shape{DType::F32, {1000, 1000}, 1000000, nullptr, 4000000};
        SliceAddressing a{0, 1000, 1, 1000, 1000};
        const auto ranges = FetchedTensor::windowRanges(shape, a, 3, 2, 10, 3);
        QCOMPARE(ranges.size(), size_t(2));
        QCOMPARE(ranges[0], (std::pair<uint64_t, uint64_t>{12040, 12052}));
        QCOMPARE(ranges[1], (std::pair<uint64_t, uint64_t>{16040, 16052}));
        // F4: two elements a byte; elements 3..5 touch bytes 1..2.
        TensorView f4{DType::F4, {8}, 8, nullptr, 4};
        SliceAddressing column{0, 1, 0, 8, 1};
        const auto packed = FetchedTensor::windowRanges(f4, column, 3, 3, 0, 1);
        QCOMPARE(packed.front().first, uint64_t(1));
        QCOMPARE(packed.back().second, uint64_t(3));
    }

    void brokenFilesAreNamed()
    {
        const QString pointer =
            m_server.addPlainFile(QStringLiteral("pointer.safetensors"),
                                  "version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n");
        auto lfs = openModelLocation(pointer);
        QVERIFY(!lfs.ok());
        QCOMPARE(lfs.error().detectedFormat, QStringLiteral("Git LFS pointer"));
        QVERIFY(lfs.error().message.contains(pointer) || lfs.error().path == pointer);

        const QString empty = m_server.addPlainFile(QStringLiteral("empty.safetensors"), {});
        auto none = openModelLocation(empty);
        QVERIFY(!none.ok());
        QCOMPARE(none.error().kind, ErrorKind::HeaderTooSmall);

        auto missing = openModelLocation(m_server.endpoint() + QStringLiteral("/files/absent.safetensors"));
        QVERIFY(!missing.ok());
        QVERIFY(missing.error().message.contains(QLatin1String("absent.safetensors")));
        QVERIFY(missing.error().message.contains(QLatin1String("404")));

        // An index naming a shard the server does not have: the model opens with a MissingShard warning.
        const QString index = m_server.addPlainFile(QStringLiteral("idx/model.safetensors.index.json"),
                                                    "{\"weight_map\":{\"x.0\":\"model-00001-of-00002.safetensors\","
                                                    "\"y\":\"model-00002-of-00002.safetensors\"}}");
        m_server.addPlainFile(QStringLiteral("idx/model-00001-of-00002.safetensors"), shard("x", 1, 1));
        auto partial = openModelLocation(index);
        QVERIFY2(partial.ok(), partial.ok() ? "" : qPrintable(partial.error().describe()));
        bool missingShard = false;
        for (const Warning& warning : (*partial)->warnings())
            missingShard |= warning.code == QLatin1String("MissingShard");
        QVERIFY(missingShard);
    }

    void blockCacheEvictsLeastRecentlyUsed()
    {
        QTemporaryDir dir;
        BlockCache cache(dir.path(), 3000);
        const QByteArray key = BlockCache::fileKey(QStringLiteral("http://x/f"), 100, "etag");
        for (uint64_t b = 0; b < 4; ++b) {
            cache.store(key, b, QByteArray(1000, char('a' + b)));
            QTest::qWait(20); // distinct file times
        }
        QVERIFY(cache.find(key, 0, 1000).has_value()); // used now: the youngest
        QTest::qWait(20);
        cache.evict();
        QVERIFY(cache.find(key, 0, 1000).has_value());
        QVERIFY(!cache.find(key, 1, 1000).has_value()); // the oldest unused ones went
        QVERIFY(!cache.find(key, 2, 1000).has_value());
        QVERIFY(cache.find(key, 3, 1000).has_value());
        // A block of the wrong length is a miss, never a short answer.
        QVERIFY(!cache.find(key, 3, 999).has_value());
    }

private:
    QTemporaryDir m_cacheDir;
    QTemporaryDir m_local;
    HubServer m_server;
    QByteArray m_single;
    QString m_singlePath;
};

QTEST_GUILESS_MAIN(TestRemote)
#include "tst_remote.moc"
