// Statistics of quantized weights by counting codes (core/quant/codecountstats) against the decode path, which
// dequantizes every value (tst_quantfloat and tst_quantint check those values against independent packings).
// The two must agree: extremes, classes, every histogram count and the percentiles exactly, sums and moments up to
// the order of additions. Random codes, so every code occurs (FP8 NaN and infinity codes included), edge blocks,
// act-order, histograms derived from the fine one and binned apart, and the counts kept or counted twice.
#include "core/io/viewreader.h"
#include "core/quant/codecountstats.h"
#include "core/quant/dequantizedstats.h"
#include "core/quant/nibblecolumns.h"
#include "support/quantfixtures.h"
#include "support/sameeveryrun.h"

#include <QFile>
#include <QTest>

#include <cmath>
#include <cstring>
#include <iterator>
#include <random>

using namespace safescope;
using namespace safescope::test;

Q_DECLARE_METATYPE(safescope::HistogramSpec)

namespace {

QByteArray randomBytes(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    QByteArray bytes(static_cast<qsizetype>(n), '\0');
    for (char& b : bytes)
        b = static_cast<char>(rng() & 0xff);
    return bytes;
}

// Scales exact in F16, of both signs and a few binades, one of them 0 (a dead group's values are all zero).
std::vector<float> randomScales(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<float> scales(n);
    for (float& s : scales)
        s = std::ldexp(static_cast<float>(static_cast<int>(rng() % 64) - 32) / 16.0f, -static_cast<int>(rng() % 6));
    return scales;
}

void compareSums(double actual, double expected)
{
    if (std::isnan(expected))
        QVERIFY(std::isnan(actual));
    else
        QVERIFY2(std::fabs(actual - expected) <= 1e-12 * std::fmax(1.0, std::fabs(expected)),
                 qPrintable(QStringLiteral("%1 against %2").arg(actual, 0, 'g', 17).arg(expected, 0, 'g', 17)));
}

void compareStats(const TensorStats& counted, const TensorStats& decoded)
{
    QCOMPARE(counted.dtype, decoded.dtype);
    QCOMPARE(counted.count, decoded.count);
    QCOMPARE(counted.finite, decoded.finite);
    QCOMPARE(counted.min, decoded.min);
    QCOMPARE(counted.max, decoded.max);
    QCOMPARE(counted.zeros, decoded.zeros);
    QCOMPARE(counted.nan, decoded.nan);
    QCOMPARE(counted.posinf, decoded.posinf);
    QCOMPARE(counted.neginf, decoded.neginf);
    QCOMPARE(counted.subnormal, decoded.subnormal);
    QCOMPARE(counted.histogram.edges, decoded.histogram.edges);
    QCOMPARE(counted.histogram.counts, decoded.histogram.counts);
    QCOMPARE(counted.histogram.below, decoded.histogram.below);
    QCOMPARE(counted.histogram.above, decoded.histogram.above);
    for (size_t i = 0; i < counted.percentiles.size(); ++i)
        QCOMPARE(counted.percentiles[i], decoded.percentiles[i]);
    QCOMPARE(counted.percentileError, decoded.percentileError);
    compareSums(counted.sum, decoded.sum);
    compareSums(counted.mean, decoded.mean);
    compareSums(counted.std, decoded.std);
    compareSums(counted.l2, decoded.l2);
}

// Builds the case `kind` into `file` and returns the config.json text; the weight is always "w.weight".
QByteArray buildCase(const QString& kind, TensorFileBuilder& file)
{
    if (kind.startsWith(QLatin1String("fp8"))) {
        const bool e5m2 = kind.contains(QLatin1String("e5m2"));
        const QByteArray dtype = e5m2 ? "F8_E5M2" : "F8_E4M3";
        if (kind.contains(QLatin1String("wide"))) {
            // Rows wider than a counting segment holds: a block (here the whole tensor) is cut across as well.
            const uint64_t rows = 3, cols = 20000;
            file.add("w.weight", dtype, {rows, cols}, randomBytes(rows * cols, 6))
                .add("w.weight_scale", "F32", {}, bytesOf(std::vector<float>{-1.5f}));
            return "{}";
        }
        if (kind.contains(QLatin1String("tall"))) {
            // Blocks of 256 x 256 are counted in pieces of 64 rows, four down each block: the last row of blocks
            // holds 44 rows, so its last three rows of pieces lie wholly past the matrix's edge and hold nothing.
            const uint64_t rows = 300, cols = 520;
            file.add("w.weight", dtype, {rows, cols}, randomBytes(rows * cols, 5))
                .add("w.weight_scale_inv", "F32", {2, 3}, bytesOf(randomScales(6, 4)));
            return "{\"quantization_config\":{\"quant_method\":\"fp8\",\"weight_block_size\":[256,256]}}";
        }
        if (kind.contains(QLatin1String("channel"))) {
            // Rows long enough for counting to pay (a scale per row of 1,100 codes).
            const uint64_t rows = 40, cols = 1100;
            file.add("w.weight", dtype, {rows, cols}, randomBytes(rows * cols, 7))
                .add("w.weight_scale", "F32", {rows, 1}, bytesOf(randomScales(rows, 8)));
            return "{}";
        }
        const uint64_t rows = 300, cols = 260; // 3 x 3 blocks of 128, the last row and column of blocks partial
        QByteArray codes = randomBytes(rows * cols, 7);
        if (kind.contains(QLatin1String("finite"))) {
            // No NaN code (E4M3's 0x7f and 0xff): segments whose every value is finite take the vector kernels,
            // segments with a NaN the scalar loop.
            for (char& code : codes)
                if ((code & 0x7f) == 0x7f)
                    code = static_cast<char>(code ^ 1);
        }
        file.add("w.weight", dtype, {rows, cols}, codes);
        if (kind.contains(QLatin1String("tensor"))) {
            file.add("w.weight_scale", "F32", {}, bytesOf(std::vector<float>{0.375f}));
            return "{}";
        }
        file.add("w.weight_scale_inv", "F32", {3, 3}, bytesOf(randomScales(9, 9)));
        return "{\"quantization_config\":{\"quant_method\":\"fp8\",\"weight_block_size\":[128,128]}}";
    }
    const uint64_t in = 256, out = 32, group = 64, groups = in / group;
    if (kind == QLatin1String("awq")) {
        file.add("w.qweight", "I32", {in, out / 8}, randomBytes(in * out / 2, 10))
            .add("w.qzeros", "I32", {groups, out / 8}, randomBytes(groups * out / 2, 11))
            .add("w.scales", "F16", {groups, out}, f16Bytes(randomScales(groups * out, 12)));
        return "{\"quantization_config\":{\"quant_method\":\"awq\",\"bits\":4,\"group_size\":64,\"version\":\"gemm\"}}";
    }
    if (kind == QLatin1String("gptq int4 odd")) {
        // 44 outputs: five vectorised columns of eight and a scalar tail of four; scales hold an infinity, a NaN,
        // an F16 subnormal and -0 beside ordinary ones (all 16-bit, so the keyed path counts them).
        const uint64_t outs = 44, zeroWords = (outs * 4 + 31) / 32;
        QByteArray scales = f16Bytes(randomScales(groups * outs, 16));
        const uint16_t special[] = {0x7c00, 0xfe00, 0x0001, 0x8000, 0xfc00};
        for (size_t k = 0; k < std::size(special); ++k)
            std::memcpy(scales.data() + 2 * (7 * k + 3), &special[k], 2);
        file.add("w.qweight", "I32", {in / 8, outs}, randomBytes(in / 8 * outs * 4, 17))
            .add("w.qzeros", "I32", {groups, zeroWords}, randomBytes(groups * zeroWords * 4, 18))
            .add("w.scales", "F16", {groups, outs}, scales);
        return "{\"quantization_config\":{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":64}}";
    }
    const int bits = kind.contains(QLatin1String("int2")) ? 2 : 4;
    const uint64_t perWord = 32 / static_cast<uint64_t>(bits);
    std::vector<int32_t> gIdx(in);
    for (uint64_t i = 0; i < in; ++i)
        gIdx[i] = static_cast<int32_t>(i / group);
    if (kind.contains(QLatin1String("act-order"))) {
        // Act-order as GPTQ writes it when groups follow whole words: each word's inputs share a group, and the
        // groups are spread over the rows out of order.
        for (uint64_t i = 0; i < in; ++i)
            gIdx[i] = static_cast<int32_t>((i / perWord * 5 + 3) % groups);
    }
    file.add("w.qweight", "I32", {in / perWord, out}, randomBytes(in / perWord * out * 4, 13))
        .add("w.qzeros", "I32", {groups, out * static_cast<uint64_t>(bits) / 32},
             randomBytes(groups * out * 4 * static_cast<uint64_t>(bits) / 32, 14))
        .add("w.scales", "F16", {groups, out}, f16Bytes(randomScales(groups * out, 15)))
        .add("w.g_idx", "I32", {in}, bytesOf(gIdx));
    return QStringLiteral("{\"quantization_config\":{\"quant_method\":\"gptq\",\"bits\":%1,\"group_size\":64}}")
        .arg(bits)
        .toUtf8();
}

} // namespace

class TestQuantStats : public QObject
{
    Q_OBJECT

private slots:
    void countedEqualsDecoded_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<HistogramSpec>("spec");
        const HistogramSpec derived;                                             // 256 bins, from the fine ones
        const HistogramSpec apart{100, std::nullopt, BinScale::Linear};          // binned on its own
        const HistogramSpec ranged{64, std::pair{-0.5, 0.25}, BinScale::Linear}; // values below and above
        const HistogramSpec logarithmic{50, std::nullopt, BinScale::Log};
        for (const char* kind : {"fp8 e4m3 block", "fp8 e4m3 block finite", "fp8 e5m2 block", "fp8 e4m3 tensor",
                                 "fp8 e4m3 channel", "fp8 e4m3 wide", "fp8 e4m3 tall", "gptq int4", "gptq int2",
                                 "gptq int4 act-order", "gptq int4 odd", "awq"}) {
            QTest::addRow("%s derived", kind) << QString::fromLatin1(kind) << derived;
            QTest::addRow("%s apart", kind) << QString::fromLatin1(kind) << apart;
            QTest::addRow("%s ranged", kind) << QString::fromLatin1(kind) << ranged;
            QTest::addRow("%s log", kind) << QString::fromLatin1(kind) << logarithmic;
        }
    }
    void countedEqualsDecoded()
    {
        QFETCH(QString, kind);
        QFETCH(HistogramSpec, spec);
        QTemporaryDir dir;
        TensorFileBuilder file;
        const QuantFixture f = openQuantFixture(dir, file, buildCase(kind, file));
        QVERIFY(f.catalog.problems.empty());
        const LogicalTensor* t = f.find("w.weight");
        QVERIFY(t);
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        // The fast path is taken (else this test would compare the decode path with itself).
        const CodeLayout layout = (*d)->codeLayout();
        QVERIFY2(usableCodeLayout(layout), qPrintable(QStringLiteral("%1 codes, %2 segments of %3 elements")
                                                          .arg(layout.codes)
                                                          .arg(layout.segments)
                                                          .arg(layout.segmentElements)));

        std::atomic_bool cancel = false;
        StatsOptions options;
        options.histogram = spec;
        options.forceGeneric = true;
        const Result<TensorStats> decoded = computeDequantizedStats(**d, options, cancel);
        QVERIFY(decoded);
        QVERIFY(decoded->finite > 0);
        options.forceGeneric = false;
        const Result<TensorStats> counted = computeDequantizedStats(**d, options, cancel);
        QVERIFY(counted);
        compareStats(*counted, *decoded);
        if (QTest::currentTestFailed())
            return;
        // Each path on its own (computeDequantizedStats() above takes the keyed one where it is offered): counts
        // kept between the passes, counted twice, and added up per key.
        const Result<TensorStats> kept = computeCodeCountStats(**d, options, cancel);
        QVERIFY(kept);
        compareStats(*kept, *decoded);
        const Result<TensorStats> recounted = computeCodeCountStats(**d, options, cancel, {}, 0);
        QVERIFY(recounted);
        compareStats(*recounted, *decoded);
        if (!kind.startsWith(QLatin1String("fp8"))) { // F16 scales: GPTQ and AWQ offer keys
            QVERIFY(usableKeyedLayout(layout, (*d)->elementCount()));
            const Result<TensorStats> keyed = computeKeyedCountStats(**d, options, cancel);
            QVERIFY(keyed);
            compareStats(*keyed, *decoded);
        }
    }

    // The vectorised int4 counter against a plain count: every code, rows past the byte counters' flush (127),
    // misaligned words, rows taken out of order (act-order), and words of a single code (the counters' maximum).
    void nibbleColumnsCountEveryCode_data()
    {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("rowCount");
        QTest::addColumn<int>("misalign");
        QTest::addColumn<bool>("shuffled");
        QTest::addColumn<int>("fill"); // -1: random words, else every nibble this code
        // Both kernels where the CPU runs the wide one (AVX-512BW), else the eight-wide one only.
        for (const int width : {8, 16}) {
            if (static_cast<size_t>(width) > nibbleColumns())
                continue;
            QTest::addRow("%d: one row", width) << width << 1 << 0 << false << -1;
            QTest::addRow("%d: a group of 128", width) << width << 16 << 0 << false << -1;
            QTest::addRow("%d: fifteen rows", width) << width << 15 << 0 << false << 15; // the bit planes' flush
            QTest::addRow("%d: thirty-one rows", width) << width << 31 << 2 << true << -1;
            QTest::addRow("%d: flush boundary", width) << width << 127 << 1 << false << -1;
            QTest::addRow("%d: past the flush", width) << width << 128 << 3 << true << -1;
            QTest::addRow("%d: many rows", width) << width << 300 << 2 << true << -1;
            QTest::addRow("%d: all fifteen", width) << width << 300 << 0 << false << 15;
            QTest::addRow("%d: all zero", width) << width << 255 << 1 << false << 0;
        }
    }
    void nibbleColumnsCountEveryCode()
    {
        QFETCH(int, width);
        QFETCH(int, rowCount);
        QFETCH(int, misalign);
        QFETCH(bool, shuffled);
        QFETCH(int, fill);
        const size_t stride = 4 * 19; // 19 outputs per row: the 8 or 16 counted start at output 2
        QByteArray bytes = randomBytes(static_cast<size_t>(rowCount) * stride + 8, 21);
        if (fill >= 0)
            bytes.fill(static_cast<char>(fill * 17));
        const auto* words = reinterpret_cast<const unsigned char*>(bytes.constData()) + misalign + 8;
        std::vector<uint32_t> rows(static_cast<size_t>(rowCount));
        for (size_t r = 0; r < rows.size(); ++r)
            rows[r] = static_cast<uint32_t>(shuffled ? (r * 7 + 3) % rows.size() : r);
        if (shuffled && rowCount % 7 == 0)
            QSKIP("7 must not divide the row count for the shuffle to be a permutation");
        const auto columns = static_cast<size_t>(width);
        std::vector<uint32_t> counts(16 * columns), expected(16 * columns, 0);
        countNibbleColumns(words, stride, rows.data(), rows.size(), columns, counts.data());
        for (uint32_t r : rows)
            for (size_t j = 0; j < columns; ++j) {
                uint32_t w;
                std::memcpy(&w, words + r * stride + 4 * j, 4);
                for (int k = 0; k < 8; ++k)
                    ++expected[j * 16 + ((w >> (4 * k)) & 15u)];
            }
        QCOMPARE(counts, expected);
    }

    // An FP8 weight's codes are counted from the file where the mapping is cold (ViewReader): a file cut short
    // after the first chunk ends the statistics with FileChanged, as a read of the vanished mapped bytes would.
    void fp8CountsFromTheFileEndWithFileChangedWhenItShrinks()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t rows = 2048, cols = 1024; // 128 blocks of 128 x 128: two chunks of segments
        file.add("w.weight", "F8_E4M3", {rows, cols}, randomBytes(rows * cols, 21))
            .add("w.weight_scale_inv", "F32", {rows / 128, cols / 128}, bytesOf(randomScales(128, 22)));
        const QuantFixture f = openQuantFixture(
            dir, file, "{\"quantization_config\":{\"quant_method\":\"fp8\",\"weight_block_size\":[128,128]}}");
        const LogicalTensor* t = f.find("w.weight");
        QVERIFY(t);
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        std::atomic_bool cancel = false;
        QVERIFY(computeDequantizedStats(**d, StatsOptions{}, cancel)); // whole: fine
        std::atomic_bool cut = false;
        const Result<TensorStats> stats = computeDequantizedStats(**d, StatsOptions{}, cancel, [&](double) {
            if (!cut.exchange(true))
                QVERIFY(QFile::resize(dir.filePath(QStringLiteral("model.safetensors")), 4096));
        });
        QVERIFY(cut);
        QVERIFY(!stats);
        QCOMPARE(stats.error().kind, ErrorKind::FileChanged);
    }

    // GPTQ codes counted by key are copied from the file where the mapping is cold (ViewReader), which stays
    // untouched: whole groups a bufferful at a time, or bands of outputs across a group's rows when a group is
    // wider than the buffer (4,104 outputs: a band of 4,096 and one of 8). A sorted g_idx may leave a group empty
    // and the others unequal (group 0 empty, group 1 twice the size here: once a division by zero). The counts
    // equal the decode path's values, and key tables counted over ranges that start and end inside groups add up
    // to the table of the whole.
    void gptqCountsReadColdRowsThroughTheFile_data()
    {
        QTest::addColumn<int>("inputs");
        QTest::addColumn<int>("outputs");
        QTest::addColumn<bool>("emptyFirstGroup");
        QTest::addRow("whole groups") << 8192 << 1024 << false;
        QTest::addRow("bands of outputs") << 2048 << 4104 << false;
        QTest::addRow("whole groups, one empty") << 8192 << 1024 << true;
        QTest::addRow("bands of outputs, one empty") << 2048 << 4104 << true;
    }
    void gptqCountsReadColdRowsThroughTheFile()
    {
        QFETCH(int, inputs);
        QFETCH(int, outputs);
        QFETCH(bool, emptyFirstGroup);
        const auto in = static_cast<uint64_t>(inputs), out = static_cast<uint64_t>(outputs);
        const uint64_t group = 128, groups = in / group, pad = uint64_t(2) << 20;
        std::vector<int32_t> gIdx(in);
        for (uint64_t i = 0; i < in; ++i)
            gIdx[i] = static_cast<int32_t>(emptyFirstGroup ? std::max<uint64_t>(1, i / group) : i / group);
        // qweight of about 4 MiB between two pads of 2 MiB: where the page cache holds the file in 2 MiB folios,
        // touching the header or the scales maps the whole folio around them, and the middle of qweight shares
        // none of it.
        QTemporaryDir dir;
        TensorFileBuilder file;
        file.add("pad.before", "U8", {pad}, QByteArray(static_cast<qsizetype>(pad), '\0'))
            .add("w.qweight", "I32", {in / 8, out}, randomBytes(in / 8 * out * 4, 31))
            .add("pad.after", "U8", {pad}, QByteArray(static_cast<qsizetype>(pad), '\0'))
            .add("w.qzeros", "I32", {groups, out / 8}, randomBytes(groups * out / 2, 32))
            .add("w.scales", "F16", {groups, out}, f16Bytes(randomScales(groups * out, 33)))
            .add("w.g_idx", "I32", {in}, bytesOf(gIdx));
        const QuantFixture f = openQuantFixture(
            dir, file, "{\"quantization_config\":{\"quant_method\":\"gptq\",\"bits\":4,\"group_size\":128}}");
        const LogicalTensor* t = f.find("w.weight");
        QVERIFY(t);
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        const std::optional<size_t> qweight = f.model->find("w.qweight");
        QVERIFY(qweight);
        // Whether this process's page tables can be read (Linux's /proc/self/pagemap): elsewhere a mapped range
        // cannot be told from a cold one, and only the counts are checked.
        bool pagesKnown = false;
#if defined(__linux__)
        pagesKnown = QFile(QStringLiteral("/proc/self/pagemap")).open(QIODevice::ReadOnly);
#endif
        const ViewReader reader = readerOf(*f.model, *qweight);
        const uint64_t middle = uint64_t(1) << 20, length = uint64_t(2) << 20;
        if (pagesKnown)
            QVERIFY(reader.shouldCopy(middle, length));

        // Key tables over three ranges cut inside groups, added up, against one table of the whole.
        const CodeLayout layout = (*d)->codeLayout();
        QVERIFY(usableKeyedLayout(layout, (*d)->elementCount()));
        const size_t entries = static_cast<size_t>(layout.keys * layout.keyCodes);
        std::vector<uint32_t> whole(entries, 0), split(entries, 0);
        std::vector<uint8_t> seenWhole(static_cast<size_t>(layout.keys), 0), seenSplit = seenWhole;
        const uint64_t n = layout.segments, cut1 = out + out / 3, cut2 = n - out / 2 - 5;
        for (const auto& [first, count] : {std::pair{uint64_t(0), cut1}, {cut1, cut2 - cut1}, {cut2, n - cut2}})
            (*d)->countCodesByKey(first, count, split.data(), seenSplit.data());
        (*d)->countCodesByKey(0, n, whole.data(), seenWhole.data());
        QVERIFY(whole == split);
        QVERIFY(seenWhole == seenSplit);

        std::atomic_bool cancel = false;
        const Result<TensorStats> keyed = computeKeyedCountStats(**d, StatsOptions{}, cancel);
        QVERIFY(keyed);
        if (pagesKnown)
            QVERIFY2(reader.shouldCopy(middle, length), "the rows were read through the mapping, not copied");
        StatsOptions generic;
        generic.forceGeneric = true;
        const Result<TensorStats> decoded = computeDequantizedStats(**d, generic, cancel);
        QVERIFY(decoded);
        if (pagesKnown)
            QVERIFY(!reader.shouldCopy(middle, length)); // the decode path read it in place: the check can fail
        compareStats(*keyed, *decoded);
    }

    // countCodes() over any range of segments gives what one segment at a time gives: GPTQ's vectorised columns
    // against the scalar tail, ranges starting inside a group and across groups; FP8's rows of pieces read whole
    // for a range that starts or ends inside one, and the empty pieces past the edge.
    void countCodesAnyRange_data()
    {
        QTest::addColumn<QString>("kind");
        for (const char* kind : {"gptq int4 odd", "fp8 e4m3 block", "fp8 e4m3 tall", "fp8 e4m3 wide"})
            QTest::addRow("%s", kind) << QString::fromLatin1(kind);
    }
    void countCodesAnyRange()
    {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        TensorFileBuilder file;
        const QuantFixture f = openQuantFixture(dir, file, buildCase(kind, file));
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        const CodeLayout layout = (*d)->codeLayout();
        const size_t codes = static_cast<size_t>(layout.codes);
        QVERIFY(layout.segments >= 6);
        std::vector<uint16_t> single(static_cast<size_t>(layout.segments) * codes, 0);
        for (uint64_t s = 0; s < layout.segments; ++s)
            (*d)->countCodes(s, 1, &single[static_cast<size_t>(s) * codes]);
        const uint64_t n = layout.segments, row = layout.segmentsPerRow;
        for (const auto& [first, count] : {std::pair<uint64_t, uint64_t>{0, n},
                                           {3, std::min<uint64_t>(41, n - 3)},
                                           {n / 2, n - n / 2},
                                           {row / 2, std::min(n - row / 2, row + 1)},
                                           {n - 1, 1},
                                           {1, n - 2}}) {
            std::vector<uint16_t> counts(static_cast<size_t>(count) * codes, 0);
            (*d)->countCodes(first, count, counts.data());
            QVERIFY(std::equal(counts.begin(), counts.end(), single.begin() + static_cast<ptrdiff_t>(first * codes)));
        }
    }

    void nonFiniteValuesAreCountedApart()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const QuantFixture f = openQuantFixture(dir, file, buildCase(QStringLiteral("fp8 e5m2 block"), file));
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        std::atomic_bool cancel = false;
        const Result<TensorStats> stats = computeCodeCountStats(**d, StatsOptions{}, cancel);
        QVERIFY(stats);
        // E5M2 codes 0x7c/0xfc are infinities and 0x7d-0x7f/0xfd-0xff NaN: random bytes hit them all.
        QVERIFY(stats->nan > 0);
        QVERIFY(stats->posinf + stats->neginf > 0);
        QVERIFY(stats->zeros > 0);
        QCOMPARE(stats->finite + stats->nan + stats->posinf + stats->neginf, stats->count);
    }

    // An FP8 weight with a scale per 128 inputs of a row has segments of 128 elements for 256 codes: decoding
    // is cheaper there, and the code path is not offered.
    void smallSegmentsAreDecoded()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t rows = 4, cols = 256;
        file.add("g.weight", "F8_E4M3", {rows, cols}, randomBytes(rows * cols, 3))
            .add("g.weight_scale", "F32", {rows, 2}, bytesOf(randomScales(rows * 2, 4)));
        const QuantFixture f = openQuantFixture(
            dir, file, "{\"quantization_config\":{\"quant_method\":\"compressed-tensors\",\"group_size\":128}}");
        const LogicalTensor* t = f.find("g.weight");
        QVERIFY(t);
        QCOMPARE(QString::fromStdString(t->variant), QStringLiteral("group"));
        auto d = Dequantizer::create(*f.model, *t);
        QVERIFY(d);
        QVERIFY(!usableCodeLayout((*d)->codeLayout()));
    }

    // Sixteen chunks of 64 blocks of 128 x 128 codes, counted by two computations at once (so the chunks each
    // worker takes differ between runs): the moments are the same to the last bit every time.
    void countedMomentsDoNotDependOnScheduling()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const uint64_t side = 4096, blocks = side / 128;
        file.add("w.weight", "F8_E4M3", {side, side}, randomBytes(side * side, 21))
            .add("w.weight_scale_inv", "F32", {blocks, blocks}, bytesOf(randomScales(blocks * blocks, 22)));
        const QuantFixture f = openQuantFixture(
            dir, file, "{\"quantization_config\":{\"quant_method\":\"fp8\",\"weight_block_size\":[128,128]}}");
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        QVERIFY(usableCodeLayout((*d)->codeLayout()));
        const std::atomic_bool cancel = false;
        verifySameOnEveryRun([&] { return computeCodeCountStats(**d, StatsOptions{}, cancel); });
    }

    void cancelled()
    {
        QTemporaryDir dir;
        TensorFileBuilder file;
        const QuantFixture f = openQuantFixture(dir, file, buildCase(QStringLiteral("fp8 e4m3 block"), file));
        auto d = Dequantizer::create(*f.model, *f.find("w.weight"));
        QVERIFY(d);
        std::atomic_bool cancel = true;
        const Result<TensorStats> stats = computeCodeCountStats(**d, StatsOptions{}, cancel);
        QVERIFY(!stats);
        QCOMPARE(stats.error().kind, ErrorKind::Cancelled);
    }
};

QTEST_GUILESS_MAIN(TestQuantStats)
#include "tst_quantstats.moc"
