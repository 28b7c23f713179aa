#include "core/format/headerarena.h"
#include "core/format/headerparser.h"
#include "support/fixtures.h"

#include <QTest>

#include <string>
#include <vector>

using namespace safescope;
using namespace safescope::test;

class TestHeaderArena final : public QObject
{
    Q_OBJECT

private slots:
    // Views handed out early must survive the many blocks that later copies open.
    void viewsStayValidAcrossBlocks()
    {
        HeaderArena arena;
        std::vector<std::string> originals;
        std::vector<std::string_view> views;
        for (int i = 0; i < 20000; ++i) {
            originals.push_back("model.layers." + std::to_string(i) + ".self_attn.q_proj.weight");
            views.push_back(arena.store(originals.back()));
        }
        QVERIFY(arena.reservedBytes() > 64 * 1024); // several blocks were opened
        for (size_t i = 0; i < originals.size(); ++i) {
            QCOMPARE(views[i], std::string_view(originals[i]));
            QVERIFY(views[i].data() != originals[i].data());
        }
    }

    // A text larger than a block gets a block of its own; the current block keeps serving small texts.
    void largeTextGetsItsOwnBlock()
    {
        HeaderArena arena;
        const std::string_view small = arena.store("a");
        const std::string big(200 * 1024, 'x');
        const std::string_view stored = arena.store(big);
        const std::string_view after = arena.store("b");
        QCOMPARE(stored, std::string_view(big));
        QCOMPARE(small, std::string_view("a"));
        QCOMPARE(after, std::string_view("b"));
        QCOMPARE(after.data(), small.data() + 1); // same block as before the big one
    }

    void emptyTextsAndShapes()
    {
        HeaderArena arena;
        QVERIFY(arena.store("").empty());
        QVERIFY(arena.storeShape({}).empty());
        QCOMPARE(arena.reservedBytes(), size_t{0});
    }

    void joinedTextsAreAdjacent()
    {
        HeaderArena arena;
        const std::string_view joined = arena.storeJoined("w", "F31");
        QCOMPARE(joined, std::string_view("wF31"));
        // Found by fuzz_header: an empty tensor name (a null view) with an unknown dtype.
        const std::string_view nameless = arena.storeJoined(arena.store(""), "F31");
        QCOMPARE(nameless, std::string_view("F31"));
    }

    // Identical shapes share storage; different ones never do, and every stored shape is aligned for uint64_t.
    void shapesAreSharedWhenEqual()
    {
        HeaderArena arena;
        (void)arena.store("odd"); // misalign the bump pointer on purpose
        const std::vector<uint64_t> square{4096, 4096};
        const std::vector<uint64_t> other{4096, 11008};
        const auto first = arena.storeShape(square);
        const auto second = arena.storeShape(square);
        const auto third = arena.storeShape(other);
        QCOMPARE(first.data(), second.data());
        QVERIFY(first.data() != third.data());
        QCOMPARE(dimsOf(first), square);
        QCOMPARE(dimsOf(third), other);
        QCOMPARE(reinterpret_cast<uintptr_t>(third.data()) % alignof(uint64_t), uintptr_t{0});
    }

    // A header's views stay valid in copies of the header after the original is gone: copies share the arena.
    void headerCopiesShareTheArena()
    {
        const QByteArray bytes = rawFile(R"({"a.w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
                                         R"("b\u0041":{"dtype":"F31","shape":[1],"data_offsets":[16,20]}})",
                                         QByteArray(20, '\0'));
        std::optional<Header> copy;
        {
            auto parsed = parseHeader(reinterpret_cast<const unsigned char*>(bytes.constData()),
                                      static_cast<uint64_t>(bytes.size()), static_cast<uint64_t>(bytes.size()),
                                      OpenMode::Lenient, QStringLiteral("arena.safetensors"));
            QVERIFY(parsed.ok());
            copy = *parsed;
        }
        QCOMPARE(copy->tensors.size(), size_t{2});
        QCOMPARE(copy->tensors[0].name, std::string_view("a.w"));
        QCOMPARE(dimsOf(copy->tensors[0].shape), (std::vector<uint64_t>{2, 2}));
        QCOMPARE(copy->tensors[1].name, std::string_view("bA")); // unescaped into the arena
        QCOMPARE(copy->tensors[1].unknownDType(), std::string_view("F31"));
        QCOMPARE(copy->tensors[1].elementCount, uint64_t{1});
    }
};

QTEST_GUILESS_MAIN(TestHeaderArena)
#include "tst_headerarena.moc"
