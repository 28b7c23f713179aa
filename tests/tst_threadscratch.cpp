#include "core/values/threadscratch.h"

#include <QFile>
#include <QTest>

#include <cstdint>
#include <cstring>
#include <optional>
#include <thread>

using namespace safescope;

namespace {

struct SiteA;
struct SiteB;

bool aligned64(const void* p)
{
    return reinterpret_cast<uintptr_t>(p) % 64 == 0;
}

// The memory size of an ELF64 little-endian executable's PT_TLS segment (0 when it has none); nullopt when the file
// is not such an executable (Windows, macOS), where the check does not apply.
std::optional<uint64_t> staticTlsBytes(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QByteArray head = file.read(64);
    // e_ident: the magic, ELFCLASS64, ELFDATA2LSB.
    if (head.size() < 64 || head.left(6) != QByteArray::fromHex("7f454c460201"))
        return std::nullopt;
    auto read = [](const char* at, auto value) {
        std::memcpy(&value, at, sizeof value);
        return value;
    };
    const auto phoff = read(head.constData() + 0x20, uint64_t{});
    const auto phentsize = read(head.constData() + 0x36, uint16_t{});
    const auto phnum = read(head.constData() + 0x38, uint16_t{});
    if (phentsize < 56 || !file.seek(static_cast<qint64>(phoff)))
        return std::nullopt;
    const QByteArray table = file.read(qint64{phentsize} * phnum);
    if (table.size() != qint64{phentsize} * phnum)
        return std::nullopt;
    constexpr uint32_t kTls = 7;
    for (int i = 0; i < phnum; ++i) {
        const char* entry = table.constData() + i * phentsize;
        if (read(entry, uint32_t{}) == kTls)
            return read(entry + 0x28, uint64_t{}); // p_memsz
    }
    return 0;
}

} // namespace

class TestThreadScratch final : public QObject
{
    Q_OBJECT

private slots:
    // One thread asking again gets the same array; two sites of the same type and size never share one.
    void sameSiteSameArrayOtherSiteAnother()
    {
        auto siteA = [] { return threadScratch<double, 1024, SiteA>(); };
        auto siteB = [] { return threadScratch<double, 1024, SiteB>(); };
        double* a = siteA();
        double* b = siteB();
        QVERIFY(a != b);
        QVERIFY(aligned64(a));
        QVERIFY(aligned64(b));
        a[1023] = 1.5;
        b[0] = 2.5;
        QCOMPARE(siteA(), a);
        QCOMPARE(siteA()[1023], 1.5);
        QCOMPARE(siteB()[0], 2.5);
    }

    // Each thread has its own array: a worker's writes never reach another thread's.
    void eachThreadHasItsOwn()
    {
        unsigned char* mine = threadScratch<unsigned char, 4096, SiteA>();
        std::memset(mine, 1, 4096);
        unsigned char* theirs = nullptr;
        std::thread worker([&] {
            theirs = threadScratch<unsigned char, 4096, SiteA>();
            std::memset(theirs, 2, 4096);
        });
        worker.join();
        QVERIFY(theirs != nullptr);
        QVERIFY(theirs != mine);
        for (int i = 0; i < 4096; ++i)
            QCOMPARE(mine[i], static_cast<unsigned char>(1));
    }

    // The shipping executables keep their static thread-local storage small. The C library zeroes that block for
    // every thread it starts; the kernels' 680 KiB of thread_local arrays used to cost each thread 170 page faults.
    void executablesHaveSmallStaticTls()
    {
        const QString cli = qEnvironmentVariable("SAFESCOPE_CLI");
        if (cli.isEmpty())
            QSKIP("SAFESCOPE_CLI is not set (run through ctest)");
        const std::optional<uint64_t> bytes = staticTlsBytes(cli);
        if (!bytes)
            QSKIP("not an ELF64 executable: static TLS is checked on Linux");
        QVERIFY2(*bytes <= 4096, qPrintable(QStringLiteral("%1 has %2 bytes of static TLS").arg(cli).arg(*bytes)));
    }
};

QTEST_GUILESS_MAIN(TestThreadScratch)
#include "tst_threadscratch.moc"
