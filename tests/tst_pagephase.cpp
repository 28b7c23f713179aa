#include "core/io/pagephase.h"

#include <QTest>

#include <vector>

using namespace safescope;

class TestPagePhase final : public QObject
{
    Q_OBJECT

private slots:
    void headerLength_data()
    {
        QTest::addColumn<quint64>("minimum");
        QTest::addColumn<quint64>("wanted");
        QTest::addColumn<quint64>("limit");
        QTest::addColumn<quint64>("expected");
        // Data at 8 + 14,504 = 14,512 (phase 2,224); the source's data starts at 8,504 (phase 312).
        QTest::newRow("pads to the source's phase") << 14504ull << 8504ull << 100000000ull << 16688ull;
        QTest::newRow("already in phase") << 8496ull << 8504ull << 100000000ull << 8496ull;
        QTest::newRow("a phase below the current one: the next page") << 4096ull << 0ull << 100000000ull << 8184ull;
        QTest::newRow("page-aligned data") << 200ull << 4096ull << 100000000ull << 4088ull;
        QTest::newRow("unaligned source keeps the minimum") << 200ull << 4101ull << 100000000ull << 200ull;
        QTest::newRow("past the limit keeps the minimum") << 99999000ull << 8ull << 99999500ull << 99999000ull;
        QTest::newRow("exactly at the limit") << 8ull << 4096ull << 4088ull << 4088ull;
    }

    void headerLength()
    {
        QFETCH(quint64, minimum);
        QFETCH(quint64, wanted);
        QFETCH(quint64, limit);
        QFETCH(quint64, expected);
        const uint64_t length = headerLengthInPhase(minimum, wanted, limit);
        QCOMPARE(quint64(length), expected);
        QVERIFY(length >= minimum);
        QCOMPARE(length % 8, uint64_t{0});
        if (length != minimum) {
            QCOMPARE((8 + length) % kPagePhaseSize, wanted % kPagePhaseSize);
            QVERIFY(length - minimum < kPagePhaseSize);
        }
    }

    void bestPhaseFollowsTheBytes()
    {
        // Nothing copied: no phase to keep, so no padding.
        QCOMPARE(bestDataStartPhase({}), std::optional<uint64_t>());
        const std::vector<CopySpan> emptyTensors{{8504, 0, 0}};
        QCOMPARE(bestDataStartPhase(emptyTensors), std::optional<uint64_t>(8504 % 4096));
        // One run from a source whose data starts at 8 + 8,496: the same start modulo 4096.
        const std::vector<CopySpan> one{{8504, 0, 1 << 20}};
        QCOMPARE(bestDataStartPhase(one), std::optional<uint64_t>(8504 % 4096));
        // Two runs that want different phases: the one with more bytes wins.
        const std::vector<CopySpan> two{{8504, 0, 100}, {50000 + 16, 100, 5000}};
        QCOMPARE(bestDataStartPhase(two), std::optional<uint64_t>((50016 - 100) % 4096));
        // A later run's target offset counts: source 4,200 placed at data offset 4,100 wants a data start at 100.
        const std::vector<CopySpan> shifted{{4200, 4100, 10}};
        QCOMPARE(bestDataStartPhase(shifted), std::optional<uint64_t>(100));
        // Equal bytes: the lower phase, whatever the order.
        const std::vector<CopySpan> tie{{4000, 0, 10}, {300, 0, 10}};
        const std::vector<CopySpan> reversed{{300, 0, 10}, {4000, 0, 10}};
        QCOMPARE(bestDataStartPhase(tie), std::optional<uint64_t>(300));
        QCOMPARE(bestDataStartPhase(reversed), std::optional<uint64_t>(300));
    }
};

QTEST_GUILESS_MAIN(TestPagePhase)
#include "tst_pagephase.moc"
