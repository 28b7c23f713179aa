// Hashes (issue 18): the three hashes against Python's hashlib, the cache, claimed-key verdicts and what a
// metadata edit does to each hash.
#include "core/format/safetensorsfile.h"
#include "core/io/localpath.h"
#include "core/publish/claimedhashes.h"
#include "core/publish/filehasher.h"
#include "core/publish/hashbatch.h"
#include "core/publish/hashcache.h"
#include "core/publish/hasheffects.h"
#include "core/publish/sha256.h"
#include "support/fixtures.h"
#include "support/pythonhashes.h"

#include <QCryptographicHash>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>

using namespace safescope;
using namespace safescope::test;

Q_DECLARE_METATYPE(safescope::HashEffect)

namespace {

constexpr int kMiB = 1 << 20;

QString sha256Of(const QByteArray& bytes)
{
    return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

HashBatchOptions cacheAt(const QString& file)
{
    HashBatchOptions options;
    options.cacheFile = file;
    return options;
}

/// Moves the file's mtime by one second without touching its bytes or size.
void shiftMtime(const QString& path)
{
    struct stat info = {};
    QCOMPARE(::stat(encodeLocalPath(path).constData(), &info), 0);
    struct timespec times[2] = {info.st_atim, info.st_mtim};
    times[1].tv_sec -= 1;
    QCOMPARE(::utimensat(AT_FDCWD, encodeLocalPath(path).constData(), times, 0), 0);
}

} // namespace

class TestHashes : public QObject
{
    Q_OBJECT

private slots:
    // libcrypto is loaded at the first hash, not linked. Where it is installed (every Linux the build supports) it
    // must load: otherwise hashing silently falls back to Qt's code, 4x slower.
    void libCryptoLoadsWhereInstalled()
    {
#ifdef Q_OS_LINUX
        QVERIFY(Sha256::libCryptoLoaded());
        QCOMPARE(Sha256().backend(), Sha256::Backend::LibCrypto);
#else
        QSKIP("the libcrypto check runs on Linux");
#endif
        QCOMPARE(Sha256(Sha256::Backend::Qt).backend(), Sha256::Backend::Qt);
    }

    // Both backends give FIPS 180-2's digests, and the same digest however a buffer is cut into updates.
    void backendsAgree_data()
    {
        QTest::addColumn<int>("backend");
        QTest::newRow("libcrypto") << int(Sha256::Backend::LibCrypto);
        QTest::newRow("qt") << int(Sha256::Backend::Qt);
    }

    void backendsAgree()
    {
        QFETCH(int, backend);
        const auto chosen = static_cast<Sha256::Backend>(backend);
        if (chosen == Sha256::Backend::LibCrypto && !Sha256::libCryptoLoaded())
            QSKIP("libcrypto is not installed here");
        auto digest = [&](const QByteArray& bytes, const std::vector<int>& cuts) {
            Sha256 hash(chosen);
            int at = 0;
            for (int cut : cuts) {
                hash.update(bytes.constData() + at, size_t(cut));
                at += cut;
            }
            hash.update(bytes.constData() + at, size_t(bytes.size() - at));
            return hash.finishHex();
        };
        QCOMPARE(digest({}, {}), QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(digest("abc", {1, 0}),
                 QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", {55}),
                 QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QByteArray large(3 * kMiB + 17, Qt::Uninitialized);
        uint32_t state = 12345;
        for (char& c : large) {
            state = state * 1664525u + 1013904223u;
            c = char(state >> 24);
        }
        QCOMPARE(digest(large, {1, 63, 64, 65, 4103, kMiB}), sha256Of(large));
        QCOMPARE(Sha256::hexOf(large.constData(), size_t(large.size())), sha256Of(large));
    }

    void matchesHashlib_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("safetensors");
        const std::map<std::string, std::string> meta{{"format", "pt"}, {"ss_network_dim", "16"}};
        QTest::newRow("padded, below 1 MiB") << safetensorsImage(meta, patternBytes(1000, 1), true) << true;
        QTest::newRow("unpadded, 2 MiB") << safetensorsImage(meta, patternBytes(2 * kMiB + 17, 2), false) << true;
        QTest::newRow("between 1 MiB and 1 MiB + 64 KiB")
            << safetensorsImage(meta, patternBytes(kMiB + 20000, 3), false) << true;
        QTest::newRow("several blocks, unaligned data start")
            << safetensorsImage(meta, patternBytes(9 * kMiB + 5, 4), false) << true;
        // The legacy window inside the header, and straddling the header's end.
        QTest::newRow("header longer than 1 MiB + 64 KiB")
            << safetensorsImage({{"big", std::string(1200000, 'x')}}, patternBytes(300000, 5), true) << true;
        QTest::newRow("header ends inside the legacy window")
            << safetensorsImage({{"big", std::string(1080000, 'y')}}, patternBytes(200000, 6), false) << true;
        QTest::newRow("no data region") << safetensorsImage(meta, QByteArray(), true) << true;
        QTest::newRow("not safetensors") << QByteArray("hello") << false;
    }

    void matchesHashlib()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, safetensors);
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("m.safetensors"), bytes);
        const std::vector<PythonHashes> expected = pythonHashes({path});
        QCOMPARE(expected.size(), size_t(1));
        const std::atomic_bool cancel = false;
        for (const bool twoThreads : {true, false}) {
            Result<FileHashes> hashes = hashFile(path, HashOptions{true, twoThreads}, cancel);
            QVERIFY2(hashes.ok(), qPrintable(hashes.ok() ? QString() : hashes.error().describe()));
            QCOMPARE(hashes->size, uint64_t(bytes.size()));
            QCOMPARE(hashes->sha256, expected[0].sha256);
            QCOMPARE(hashes->legacyHash, expected[0].legacyHash);
            if (safetensors)
                QCOMPARE(hashes->dataSha256, expected[0].dataSha256);
            else
                QVERIFY(hashes->dataSha256.isEmpty()); // 8 + N beyond the file: there is no data region
            QCOMPARE(hashes->autoV2(), expected[0].sha256.left(10).toUpper());
        }
        // Below 1 MiB the references hash an empty read: sha256("") starts e3b0c442.
        if (bytes.size() <= kMiB)
            QCOMPARE(expected[0].legacyHash, QStringLiteral("e3b0c442"));
    }

    void sha256OnlySkipsTheDataHash()
    {
        QTemporaryDir dir;
        const QString path =
            writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, patternBytes(5000, 7), true));
        const std::atomic_bool cancel = false;
        Result<FileHashes> hashes = hashFile(path, HashOptions{false, true}, cancel);
        QVERIFY(hashes.ok());
        QVERIFY(hashes->dataSha256.isEmpty());
        QCOMPARE(hashes->sha256, pythonHashes({path}).at(0).sha256);
    }

    void cancelled()
    {
        QTemporaryDir dir;
        const QString path =
            writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, patternBytes(5000, 7), true));
        const std::atomic_bool cancel = true;
        Result<FileHashes> hashes = hashFile(path, HashOptions{}, cancel);
        QVERIFY(!hashes.ok());
        QCOMPARE(hashes.error().kind, ErrorKind::Cancelled);
    }

    void missingFileIsAnIoError()
    {
        const std::atomic_bool cancel = false;
        Result<FileHashes> hashes = hashFile(QStringLiteral("/nonexistent/m.safetensors"), HashOptions{}, cancel);
        QVERIFY(!hashes.ok());
        QCOMPARE(hashes.error().kind, ErrorKind::IoError);
    }

    void manyFilesInParallel()
    {
        QTemporaryDir dir;
        QStringList paths;
        for (int i = 0; i < 5; ++i)
            paths << writeFile(dir, QStringLiteral("m%1.safetensors").arg(i),
                               safetensorsImage({}, patternBytes(kMiB + 70000 * i, uint32_t(10 + i)), i % 2 == 0));
        const std::vector<PythonHashes> expected = pythonHashes(paths);
        QCOMPARE(expected.size(), size_t(5));
        HashBatchOptions options = cacheAt(dir.filePath(QStringLiteral("cache/hashes.json")));
        std::atomic<uint64_t> lastDone = 0;
        uint64_t lastTotal = 0;
        const std::atomic_bool cancel = false;
        const auto results = hashFiles(paths, options, cancel, [&](uint64_t done, uint64_t total) {
            lastDone = std::max<uint64_t>(lastDone, done);
            lastTotal = total;
        });
        QCOMPARE(results.size(), size_t(5));
        uint64_t total = 0;
        for (size_t i = 0; i < results.size(); ++i) {
            QVERIFY(results[i].ok());
            QCOMPARE(results[i]->path, paths[qsizetype(i)]);
            QCOMPARE(results[i]->sha256, expected[i].sha256);
            QCOMPARE(results[i]->dataSha256, expected[i].dataSha256);
            QCOMPARE(results[i]->legacyHash, expected[i].legacyHash);
            total += results[i]->size;
        }
        QCOMPARE(lastTotal, total);
        QCOMPARE(uint64_t(lastDone), total);
    }

    void cacheHitThenMissAfterAChange()
    {
        QTemporaryDir dir;
        const QString path =
            writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, patternBytes(2 * kMiB, 8), true));
        const HashBatchOptions options = cacheAt(dir.filePath(QStringLiteral("cache/hashes.json")));
        const std::atomic_bool cancel = false;
        const auto first = hashFiles({path}, options, cancel);
        QVERIFY(first[0].ok());
        QVERIFY(!first[0]->fromCache);
        QVERIFY(QFile::exists(options.cacheFile));

        const auto second = hashFiles({path}, options, cancel);
        QVERIFY(second[0].ok());
        QVERIFY(second[0]->fromCache);
        QCOMPARE(second[0]->sha256, first[0]->sha256);
        QCOMPARE(second[0]->dataSha256, first[0]->dataSha256);
        QCOMPARE(second[0]->legacyHash, first[0]->legacyHash);
        QCOMPARE(second[0]->dataStart, first[0]->dataStart);

        // Same bytes, same size, another mtime: a miss (and the bytes hash alike again).
        shiftMtime(path);
        const auto third = hashFiles({path}, options, cancel);
        QVERIFY(third[0].ok());
        QVERIFY(!third[0]->fromCache);
        QCOMPARE(third[0]->sha256, first[0]->sha256);

        // Another size: a miss with the new values.
        QFile file(path);
        QVERIFY(file.open(QIODevice::Append));
        file.write("!");
        file.close();
        const auto fourth = hashFiles({path}, options, cancel);
        QVERIFY(!fourth[0]->fromCache);
        QCOMPARE(fourth[0]->sha256, pythonHashes({path}).at(0).sha256);
        QVERIFY(fourth[0]->sha256 != first[0]->sha256);
        QVERIFY(hashFiles({path}, options, cancel)[0]->fromCache);
    }

    void cacheEntryWithoutDataHashDoesNotServeAFullRequest()
    {
        QTemporaryDir dir;
        const QString path =
            writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, patternBytes(4000, 9), true));
        HashBatchOptions options = cacheAt(dir.filePath(QStringLiteral("hashes.json")));
        options.dataHash = false;
        const std::atomic_bool cancel = false;
        QVERIFY(!hashFiles({path}, options, cancel)[0]->fromCache);
        QVERIFY(hashFiles({path}, options, cancel)[0]->fromCache);
        options.dataHash = true;
        const auto full = hashFiles({path}, options, cancel);
        QVERIFY(!full[0]->fromCache);
        QCOMPARE(full[0]->dataSha256, pythonHashes({path}).at(0).dataSha256);
    }

    void twoCachesMergeTheirEntries()
    {
        // Two processes with the cache open: the second store re-reads the file under the lock, so the first
        // process's entry survives.
        QTemporaryDir dir;
        const QString cacheFile = dir.filePath(QStringLiteral("hashes.json"));
        HashCache first(cacheFile);
        HashCache second(cacheFile);
        FileHashes a{QStringLiteral("/a"), 1, QString(64, QLatin1Char('a')), {}, QStringLiteral("aaaaaaaa"), {}, false};
        FileHashes b{QStringLiteral("/b"), 2, QString(64, QLatin1Char('b')), {}, QStringLiteral("bbbbbbbb"), {}, false};
        const HashCacheKey keyA{1, 2, 1, 4, 5};
        const HashCacheKey keyB{1, 3, 2, 4, 5};
        QVERIFY(first.store({{keyA, a}}).ok());
        QVERIFY(second.store({{keyB, b}}).ok());
        HashCache reader(cacheFile);
        QCOMPARE(reader.find(keyA, a.path, false)->sha256, a.sha256);
        QCOMPARE(reader.find(keyB, b.path, false)->sha256, b.sha256);
        QVERIFY(!reader.find(HashCacheKey{1, 2, 1, 4, 6}, a.path, false)); // ctime differs
    }

    void corruptCacheIsIgnored()
    {
        QTemporaryDir dir;
        const QString cacheFile = writeFile(dir, QStringLiteral("hashes.json"), "{not json");
        const QString path =
            writeFile(dir, QStringLiteral("m.safetensors"), safetensorsImage({}, patternBytes(100, 1), true));
        const std::atomic_bool cancel = false;
        QVERIFY(!hashFiles({path}, cacheAt(cacheFile), cancel)[0]->fromCache);
        QVERIFY(hashFiles({path}, cacheAt(cacheFile), cancel)[0]->fromCache);
    }

    void claimedVerdicts()
    {
        const QByteArray data = patternBytes(3000, 11);
        const QString dataHash = sha256Of(data); // QCryptographicHash: a peer independent of libcrypto
        QTemporaryDir dir;
        const QString path = writeFile(dir, QStringLiteral("m.safetensors"),
                                       safetensorsImage({{"sshs_model_hash", dataHash.toStdString()},
                                                         {"modelspec.hash_sha256", "0x" + std::string(64, '0')},
                                                         {"sshs_legacy_hash", "zz"},
                                                         {"ss_network_dim", "8"}},
                                                        data, true));
        const std::atomic_bool cancel = false;
        Result<FileHashes> hashes = hashFile(path, HashOptions{}, cancel);
        QVERIFY(hashes.ok());
        QCOMPARE(hashes->dataSha256, dataHash);
        auto file = SafetensorsFile::open(path);
        QVERIFY(file.ok());
        const std::vector<ClaimedHash> claims = verifyClaimedHashes((*file)->header().metadata, *hashes);
        QCOMPARE(claims.size(), size_t(3));
        QCOMPARE(claims[0].key, std::string("sshs_model_hash"));
        QCOMPARE(claims[0].verdict, HashVerdict::Right);
        QCOMPARE(claims[1].key, std::string("sshs_legacy_hash"));
        QCOMPARE(claims[1].verdict, HashVerdict::Wrong); // not 8 hex digits
        QCOMPARE(claims[2].key, std::string("modelspec.hash_sha256"));
        QCOMPARE(claims[2].verdict, HashVerdict::Wrong);
        QVERIFY(anyWrong(claims));
        const std::vector<MetadataEntry> corrected = correctedClaimedHashes(claims);
        QCOMPARE(corrected.size(), size_t(1)); // the legacy key's right value cannot be known
        QCOMPARE(corrected[0].key, std::string("modelspec.hash_sha256"));
        QCOMPARE(QString::fromStdString(corrected[0].value), QStringLiteral("0x") + dataHash);
    }

    void legacyClaimVerdicts_data()
    {
        QTest::addColumn<QString>("claimed");
        QTest::addColumn<HashVerdict>("verdict");
        QTest::newRow("matches (file below 1 MiB: sha256 of nothing)")
            << QStringLiteral("e3b0c442") << HashVerdict::Right;
        QTest::newRow("upper case matches") << QStringLiteral("E3B0C442") << HashVerdict::Right;
        QTest::newRow("another value: kohya's copy had another header")
            << QStringLiteral("12345678") << HashVerdict::CannotTell;
        QTest::newRow("too long") << QStringLiteral("e3b0c4420") << HashVerdict::Wrong;
    }

    void legacyClaimVerdicts()
    {
        QFETCH(QString, claimed);
        QFETCH(HashVerdict, verdict);
        FileHashes hashes;
        hashes.sha256 = QString(64, QLatin1Char('1'));
        hashes.dataSha256 = QString(64, QLatin1Char('2'));
        hashes.legacyHash = QStringLiteral("e3b0c442");
        hashes.dataStart = 64;
        const auto claims = verifyClaimedHashes({{"sshs_legacy_hash", claimed.toStdString()}}, hashes);
        QCOMPARE(claims.size(), size_t(1));
        QCOMPARE(claims[0].verdict, verdict);
        QVERIFY(correctedClaimedHashes(claims).empty());
    }

    void modelSpecSpellings()
    {
        FileHashes hashes;
        hashes.dataSha256 = QStringLiteral("ab").repeated(32);
        hashes.dataStart = 64;
        const auto claims = verifyClaimedHashes(
            {{"modelspec.hash_sha256", "0x" + QStringLiteral("AB").repeated(32).toStdString()}}, hashes);
        QCOMPARE(claims[0].verdict, HashVerdict::Right);
        FileHashes noData = hashes;
        noData.dataSha256.clear();
        QCOMPARE(verifyClaimedHashes({{"sshs_model_hash", "ab"}}, noData)[0].verdict, HashVerdict::CannotTell);
    }

    void editEffects_data()
    {
        QTest::addColumn<quint64>("oldN");
        QTest::addColumn<quint64>("newN");
        QTest::addColumn<quint64>("dataLength");
        QTest::addColumn<bool>("inPlace");
        QTest::addColumn<HashEffect>("legacy");
        QTest::newRow("in place, small header, big file")
            << 1000ull << 1000ull << 50000000ull << true << HashEffect::Keeps;
        QTest::newRow("in place, header over 1 MiB")
            << 2000000ull << 2000000ull << 5000000ull << true << HashEffect::MayChange;
        QTest::newRow("in place: new length ignored") << 1000ull << 5000ull << 50000000ull << true << HashEffect::Keeps;
        QTest::newRow("rewrite, header grows") << 1000ull << 5000ull << 50000000ull << false << HashEffect::Changes;
        QTest::newRow("rewrite, same length") << 1000ull << 1000ull << 50000000ull << false << HashEffect::Keeps;
        QTest::newRow("rewrite, small file stays below 1 MiB")
            << 1000ull << 5000ull << 100000ull << false << HashEffect::Keeps;
        QTest::newRow("rewrite, file grows past 1 MiB")
            << 1000ull << 100000ull << 1000000ull << false << HashEffect::Changes;
    }

    void editEffects()
    {
        QFETCH(quint64, oldN);
        QFETCH(quint64, newN);
        QFETCH(quint64, dataLength);
        QFETCH(bool, inPlace);
        QFETCH(HashEffect, legacy);
        const HashEffects effects = hashEffectsOfEdit(oldN, newN, dataLength, inPlace);
        QCOMPARE(effects.sha256, HashEffect::Changes);
        QCOMPARE(effects.dataSha256, HashEffect::Keeps);
        QCOMPARE(effects.legacyHash, legacy);
        QVERIFY(describeHashEffects(effects).contains(QStringLiteral("keeps the tensor data's SHA-256")));
    }

    void editEffectsAgreeWithRealFiles()
    {
        // A rewrite that grows the header, measured: the data hash stays, the file and legacy hashes move.
        const QByteArray data = patternBytes(3 * kMiB, 12);
        QTemporaryDir dir;
        const QString before =
            writeFile(dir, QStringLiteral("a.safetensors"), safetensorsImage({{"k", "v"}}, data, true));
        const QString after = writeFile(dir, QStringLiteral("b.safetensors"),
                                        safetensorsImage({{"k", std::string(500, 'v')}}, data, true));
        const std::vector<PythonHashes> hashes = pythonHashes({before, after});
        QCOMPARE(hashes.size(), size_t(2));
        QCOMPARE(hashes[0].dataSha256, hashes[1].dataSha256);
        QVERIFY(hashes[0].sha256 != hashes[1].sha256);
        QVERIFY(hashes[0].legacyHash != hashes[1].legacyHash);
        auto a = SafetensorsFile::open(before);
        auto b = SafetensorsFile::open(after);
        const HashEffects effects =
            hashEffectsOfEdit((*a)->header().headerLength, (*b)->header().headerLength, uint64_t(data.size()), false);
        QCOMPARE(effects.legacyHash, HashEffect::Changes);
    }
};

QTEST_GUILESS_MAIN(TestHashes)
#include "tst_hashes.moc"
