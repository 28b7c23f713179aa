// Export (issue 5): selection, renames and collisions, dtype conversion checked value by value against rounding
// computed here from the format definitions, the impact preview, sharded output re-opened as one model with
// identical tensor bytes, metadata policies, and cancellation / failures that leave no file under a final name.
#include "core/export/exporter.h"
#include "core/format/model.h"
#include "core/format/shardindex.h"
#include "support/editfixtures.h"
#include "support/fixtures.h"

#include <QDir>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace safescope;
using namespace safescope::test;

namespace {

// "b" of copiedTensorsKeepTheirPageOffset: 64 MiB of F32, the size from which page padding pays.
constexpr uint64_t kBigElements = uint64_t{16} << 20;
constexpr uint64_t kBigEnd = 1200 + kBigElements * 4;

// kBigEnd bytes: one MiB of pattern repeated (generating 64 MiB byte by byte made the test slow under ASan).
QByteArray bigData()
{
    const QByteArray unit = patternBytes(1 << 20, 5);
    QByteArray data = unit.repeated(static_cast<qsizetype>(kBigEnd / unit.size() + 1));
    data.truncate(static_cast<qsizetype>(kBigEnd));
    return data;
}

// A binary floating-point format as its definition states it (SPEC.md section 3), independent of core's codecs.
struct Format
{
    DType dtype;
    int expBits;
    int mantBits;
    int bias;
    bool ieee; ///< all-ones exponent is inf/NaN; otherwise only S.1111.111 is NaN (E4M3) and overflow saturates
    int bits() const { return 1 + expBits + mantBits; }
};

const Format kF16{DType::F16, 5, 10, 15, true};
const Format kBF16{DType::BF16, 8, 7, 127, true};
const Format kE5M2{DType::F8_E5M2, 5, 2, 15, true};
const Format kE4M3{DType::F8_E4M3, 4, 3, 7, false};

double decodeCode(const Format& f, uint32_t code)
{
    const bool negative = (code >> (f.bits() - 1)) & 1u;
    const uint32_t e = (code >> f.mantBits) & ((1u << f.expBits) - 1);
    const uint32_t m = code & ((1u << f.mantBits) - 1);
    const uint32_t maxE = (1u << f.expBits) - 1;
    double value = 0;
    if (f.ieee && e == maxE)
        value = m == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    else if (!f.ieee && e == maxE && m == (1u << f.mantBits) - 1)
        value = std::numeric_limits<double>::quiet_NaN();
    else if (e == 0)
        value = std::ldexp(static_cast<double>(m), 1 - f.bias - f.mantBits);
    else
        value = std::ldexp(1.0 + std::ldexp(static_cast<double>(m), -f.mantBits), static_cast<int>(e) - f.bias);
    return negative ? -value : value;
}

// Non-negative finite codes in increasing value order (code order is value order for positive floats).
std::vector<std::pair<double, uint32_t>> finiteLadder(const Format& f)
{
    std::vector<std::pair<double, uint32_t>> ladder;
    for (uint32_t code = 0; code < (1u << (f.bits() - 1)); ++code) {
        const double value = decodeCode(f, code);
        if (std::isfinite(value))
            ladder.emplace_back(value, code);
    }
    return ladder;
}

struct Expected
{
    uint32_t code = 0;
    bool nan = false;
    bool overflow = false;
    bool saturated = false;
    bool underflow = false;
};

// Round to nearest, ties to the even code; past the largest finite value: inf for IEEE-like formats once the value
// reaches max + half an ulp (the tie goes to the even "next" code, which is inf), saturation for E4M3.
Expected roundReference(const Format& f, const std::vector<std::pair<double, uint32_t>>& ladder, float input)
{
    Expected result;
    const uint32_t sign = std::signbit(input) ? 1u << (f.bits() - 1) : 0u;
    if (std::isnan(input)) {
        result.nan = true;
        return result;
    }
    const double x = std::fabs(static_cast<double>(input));
    const double max = ladder.back().first;
    const double ulpAtMax = max - ladder[ladder.size() - 2].first;
    // E4M3's largest value 448 has an even mantissa, so the tie at 464 rounds down to it and is not saturation.
    const bool beyond = f.ieee ? x >= max + ulpAtMax / 2 : x > max + ulpAtMax / 2;
    if (std::isinf(input) || beyond) {
        if (f.ieee) {
            result.code = sign | (((1u << f.expBits) - 1) << f.mantBits);
            result.overflow = !std::isinf(input);
        } else {
            result.code = sign | ladder.back().second;
            result.saturated = true;
        }
        return result;
    }
    if (x > max) { // within half an ulp above max: rounds down to max
        result.code = sign | ladder.back().second;
        return result;
    }
    auto above = std::lower_bound(ladder.begin(), ladder.end(), std::make_pair(x, 0u),
                                  [](const auto& a, const auto& b) { return a.first < b.first; });
    uint32_t code = above->second;
    if (above->first != x) {
        const auto below = above - 1;
        const double down = x - below->first;
        const double up = above->first - x;
        if (down < up || (down == up && (below->second & 1u) == 0))
            code = below->second;
    }
    result.code = sign | code;
    result.underflow = x != 0 && code == 0;
    return result;
}

// Inputs that probe every rounding rule: every code of the source as a float where it is narrow, midpoints between
// neighbouring target values (ties), values just off the midpoints, the limits, and random values.
std::vector<float> probeValues(const Format& target)
{
    std::vector<float> values{0.0f,
                              -0.0f,
                              std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(),
                              std::numeric_limits<float>::quiet_NaN(),
                              std::numeric_limits<float>::max(),
                              std::numeric_limits<float>::denorm_min(),
                              1e-30f};
    const auto ladder = finiteLadder(target);
    for (size_t i = 0; i + 1 < ladder.size(); ++i) {
        const auto mid = static_cast<float>((ladder[i].first + ladder[i + 1].first) / 2);
        values.push_back(mid);
        values.push_back(-mid);
        values.push_back(std::nextafter(mid, 0.0f));
        values.push_back(std::nextafter(mid, 1e30f));
        values.push_back(static_cast<float>(ladder[i].first));
    }
    const double max = ladder.back().first;
    const double ulp = max - ladder[ladder.size() - 2].first;
    for (const double v : {max, max + ulp / 2, max + ulp / 4, max + ulp, max * 2}) {
        values.push_back(static_cast<float>(v));
        values.push_back(std::nextafter(static_cast<float>(v), 0.0f));
        values.push_back(-static_cast<float>(v));
    }
    std::mt19937 random(5);
    std::uniform_real_distribution<float> exponent(-40.0f, 40.0f);
    for (int i = 0; i < 20000; ++i)
        values.push_back((random() & 1 ? -1.0f : 1.0f) * std::exp2(exponent(random)));
    return values;
}

QByteArray floatBytes(const std::vector<float>& values)
{
    return QByteArray(reinterpret_cast<const char*>(values.data()), static_cast<qsizetype>(values.size() * 4));
}

QByteArray tensorBytes(const Model& model, std::string_view name)
{
    const auto index = model.find(name);
    if (!index)
        return {};
    return QByteArray(reinterpret_cast<const char*>(model.tensorData(*index)),
                      static_cast<qsizetype>(model.tensor(*index).byteSize()));
}

// A checkpoint with names to select and rename: 2 F32 layers, an F16 embedding, an I64 tensor.
QString makeSource(const QTemporaryDir& dir)
{
    const QByteArray header =
        "{\"__metadata__\":{\"format\":\"pt\",\"k\":\"v\"}," + tensorJson("model.layers.0.weight", "F32", {4}, 0, 16) +
        ',' + tensorJson("model.layers.1.weight", "F32", {4}, 16, 32) + ',' +
        tensorJson("model.embed", "F16", {2, 2}, 32, 40) + ',' + tensorJson("model.ids", "I64", {2}, 40, 56) + '}';
    return writeFile(dir, QStringLiteral("source.safetensors"), rawFile(header, patternBytes(56, 3)));
}

std::shared_ptr<const Model> openModel(const QString& path)
{
    auto model = Model::open(path, OpenMode::Strict);
    if (!model)
        qFatal("cannot open %s: %s", qPrintable(path), qPrintable(model.error().describe()));
    return *model;
}

std::vector<std::string> namesOf(const ExportPlan& plan)
{
    std::vector<std::string> names;
    for (const ExportTensor& tensor : plan.tensors)
        names.push_back(tensor.name);
    return names;
}

const std::atomic_bool kNever{false};

QString qs(const char* text)
{
    return QString::fromUtf8(text);
}

QStringList list(std::initializer_list<const char*> texts)
{
    QStringList result;
    for (const char* text : texts)
        result << qs(text);
    return result;
}

} // namespace

class TestExport final : public QObject
{
    Q_OBJECT

private slots:
    void selection_data();
    void selection();
    void badPattern();
    void renames_data();
    void renames();
    void collisionsRefused_data();
    void collisionsRefused();
    void conversionValueByValue_data();
    void conversionValueByValue();
    void everySourceCode_data();
    void everySourceCode();
    void singleFileRoundTrip();
    void copiedTensorsKeepTheirPageOffset_data();
    void copiedTensorsKeepTheirPageOffset();
    void shardedOutputIsOneModel();
    void shardSizes();
    void metadataPolicies();
    void cancelLeavesNothing();
    void failureLeavesNothing_data();
    void failureLeavesNothing();
    void byteSizes();
};

void TestExport::selection_data()
{
    QTest::addColumn<QStringList>("include");
    QTest::addColumn<QStringList>("exclude");
    QTest::addColumn<QStringList>("names");
    QTest::addColumn<QStringList>("expected");
    const QStringList none;
    QTest::newRow("all") << none << none << none
                         << list({"model.layers.0.weight", "model.layers.1.weight", "model.embed", "model.ids"});
    QTest::newRow("include") << list({"layers"}) << none << none
                             << list({"model.layers.0.weight", "model.layers.1.weight"});
    QTest::newRow("include anchored") << list({"^model\\.(embed|ids)$"}) << none << none
                                      << list({"model.embed", "model.ids"});
    QTest::newRow("exclude") << none << list({"\\.1\\.", "ids"}) << none
                             << list({"model.layers.0.weight", "model.embed"});
    QTest::newRow("include and exclude") << list({"layers", "embed"}) << list({"0"}) << none
                                         << list({"model.layers.1.weight", "model.embed"});
    QTest::newRow("names") << none << none << list({"model.ids", "model.embed"}) << list({"model.embed", "model.ids"});
    QTest::newRow("names minus exclude") << none << list({"ids"}) << list({"model.ids", "model.embed"})
                                         << list({"model.embed"});
}

void TestExport::selection()
{
    QFETCH(QStringList, include);
    QFETCH(QStringList, exclude);
    QFETCH(QStringList, names);
    QFETCH(QStringList, expected);
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out.safetensors"));
    options.selection.include = include;
    options.selection.exclude = exclude;
    if (!names.isEmpty()) {
        options.selection.names.emplace();
        for (const QString& name : names)
            options.selection.names->push_back(name.toStdString());
    }
    auto plan = planExport(*model, options);
    QVERIFY2(plan, qPrintable(plan ? QString() : plan.error().describe()));
    std::vector<std::string> wanted;
    for (const QString& name : expected)
        wanted.push_back(name.toStdString());
    QCOMPARE(namesOf(*plan), wanted);
}

void TestExport::badPattern()
{
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out.safetensors"));
    options.selection.include = {QStringLiteral("(unclosed")};
    auto plan = planExport(*model, options);
    QVERIFY(!plan);
    QCOMPARE(plan.error().kind, ErrorKind::InvalidArgument);
    QVERIFY(plan.error().message.contains(QStringLiteral("(unclosed")));
    options.selection.include = {QStringLiteral("nothing-matches")};
    QVERIFY(!planExport(*model, options));
    options.selection.include.clear();
    options.selection.names = std::vector<std::string>{"absent"};
    QVERIFY(!planExport(*model, options));
}

void TestExport::renames_data()
{
    QTest::addColumn<QStringList>("rules"); // "s..." sed rule, "-X" strip prefix X, "+X" add prefix X
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");
    QTest::newRow("groups") << list({"s/layers\\.([0-9]+)/blocks.\\1/"}) << qs("model.layers.12.weight")
                            << qs("model.blocks.12.weight");
    QTest::newRow("first only") << list({"s/a/X/"}) << qs("banana") << qs("bXnana");
    QTest::newRow("global") << list({"s/a/X/g"}) << qs("banana") << qs("bXnXnX");
    QTest::newRow("ignore case") << list({"s/BAN/x/i"}) << qs("banana") << qs("xana");
    QTest::newRow("whole match") << list({"s/an/<&>/g"}) << qs("banana") << qs("b<an><an>a");
    QTest::newRow("literal ampersand") << list({"s/an/\\&/"}) << qs("banana") << qs("b&ana");
    QTest::newRow("other delimiter") << list({"s|model/|m.|"}) << qs("model/x") << qs("m.x");
    QTest::newRow("escaped delimiter") << list({"s/a\\/b/c/"}) << qs("a/b") << qs("c");
    QTest::newRow("strip prefix") << list({"-model."}) << qs("model.embed") << qs("embed");
    QTest::newRow("strip absent prefix") << list({"-other."}) << qs("model.embed") << qs("model.embed");
    QTest::newRow("add prefix") << list({"+base."}) << qs("embed") << qs("base.embed");
    QTest::newRow("in order") << list({"-model.", "s/^/x./", "+y."}) << qs("model.a") << qs("y.x.a");
}

void TestExport::renames()
{
    QFETCH(QStringList, rules);
    QFETCH(QString, name);
    QFETCH(QString, expected);
    std::vector<RenameRule> parsed;
    for (const QString& rule : rules) {
        if (rule.startsWith(u'-')) {
            parsed.push_back(RenameRule::stripPrefix(rule.mid(1)));
        } else if (rule.startsWith(u'+')) {
            parsed.push_back(RenameRule::addPrefix(rule.mid(1)));
        } else {
            auto sed = RenameRule::parseSubstitution(rule);
            QVERIFY2(sed, qPrintable(sed ? QString() : sed.error().message));
            parsed.push_back(*sed);
        }
    }
    QCOMPARE(QString::fromStdString(applyRenames(parsed, name.toStdString())), expected);
    QVERIFY(!RenameRule::parseSubstitution(QStringLiteral("s/a/b")));
    QVERIFY(!RenameRule::parseSubstitution(QStringLiteral("s/(/b/")));
    QVERIFY(!RenameRule::parseSubstitution(QStringLiteral("s/a/b/q")));
    QVERIFY(!RenameRule::parseSubstitution(QStringLiteral("x/a/b/")));
}

void TestExport::collisionsRefused_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("mentions");
    QTest::newRow("two layers merge") << qs("s/[0-9]/N/") << qs("model.layers.0.weight");
    QTest::newRow("all one name") << qs("s/.*/same/") << qs("same");
    QTest::newRow("reserved name") << qs("s/^model\\.embed$/__metadata__/") << qs("__metadata__");
    QTest::newRow("empty name") << qs("s/^model\\.ids$//") << qs("unusable");
}

void TestExport::collisionsRefused()
{
    QFETCH(QString, rule);
    QFETCH(QString, mentions);
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out.safetensors"));
    options.renames.push_back(*RenameRule::parseSubstitution(rule));
    auto plan = planExport(*model, options);
    QVERIFY(!plan);
    QCOMPARE(plan.error().kind, ErrorKind::InvalidArgument);
    QVERIFY2(plan.error().message.contains(mentions), qPrintable(plan.error().message));
    QVERIFY(!QFile::exists(options.outputPath));
}

void TestExport::conversionValueByValue_data()
{
    QTest::addColumn<int>("format");
    QTest::newRow("F32 -> F16") << 0;
    QTest::newRow("F32 -> BF16") << 1;
    QTest::newRow("F32 -> F8_E5M2") << 2;
    QTest::newRow("F32 -> F8_E4M3") << 3;
}

void TestExport::conversionValueByValue()
{
    QFETCH(int, format);
    const Format target = std::array{kF16, kBF16, kE5M2, kE4M3}[static_cast<size_t>(format)];
    const auto ladder = finiteLadder(target);
    const std::vector<float> values = probeValues(target);
    QTemporaryDir dir;
    const QByteArray header = "{" + tensorJson("v", "F32", {values.size()}, 0, values.size() * 4) + "}";
    const QString source = writeFile(dir, QStringLiteral("values.safetensors"), rawFile(header, floatBytes(values)));
    const auto model = openModel(source);
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("converted.safetensors"));
    options.targetDtype = target.dtype;
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    auto preview = previewConversion(*model, *plan, kNever);
    QVERIFY(preview);
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY2(exported, qPrintable(exported ? QString() : exported.error().describe()));
    const QByteArray out = tensorBytes(*exported->model, "v");
    const size_t width = static_cast<size_t>(target.bits() / 8);
    QCOMPARE(static_cast<size_t>(out.size()), values.size() * width);

    uint64_t overflow = 0, saturated = 0, underflow = 0, nans = 0;
    double maxAbs = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        uint32_t code = 0;
        std::memcpy(&code, out.constData() + i * width, width);
        const Expected expected = roundReference(target, ladder, values[i]);
        if (expected.nan) {
            ++nans;
            QVERIFY2(std::isnan(decodeCode(target, code)), qPrintable(QString::number(i)));
            continue;
        }
        if (code != expected.code)
            QFAIL(qPrintable(QStringLiteral("value %1 (%2): got code 0x%3, expected 0x%4")
                                 .arg(i)
                                 .arg(static_cast<double>(values[i]), 0, 'g', 9)
                                 .arg(code, 0, 16)
                                 .arg(expected.code, 0, 16)));
        overflow += expected.overflow;
        saturated += expected.saturated;
        underflow += expected.underflow;
        const double result = decodeCode(target, code);
        if (std::isfinite(result) && std::isfinite(values[i]))
            maxAbs = std::max(maxAbs, std::fabs(result - static_cast<double>(values[i])));
    }
    const ConversionImpact& impact = preview->total;
    QCOMPARE(impact.values, uint64_t(values.size()));
    QCOMPARE(impact.nanValues, nans);
    QCOMPARE(impact.overflowToInf, overflow);
    QCOMPARE(impact.saturated, saturated);
    QCOMPARE(impact.underflowToZero, underflow);
    QCOMPARE(impact.maxAbsError, maxAbs);
    QVERIFY(overflow + saturated > 0); // the probes do reach past the largest value
    QVERIFY(underflow > 0);
}

void TestExport::everySourceCode_data()
{
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("to");
    QTest::newRow("F16 -> BF16") << 0 << 1;
    QTest::newRow("F16 -> F8_E5M2") << 0 << 2;
    QTest::newRow("F16 -> F8_E4M3") << 0 << 3;
    QTest::newRow("BF16 -> F16") << 1 << 0;
    QTest::newRow("BF16 -> F8_E5M2") << 1 << 2;
    QTest::newRow("BF16 -> F8_E4M3") << 1 << 3;
    QTest::newRow("F16 -> F32") << 0 << 4;
    QTest::newRow("BF16 -> F32") << 1 << 4;
}

void TestExport::everySourceCode()
{
    QFETCH(int, from);
    QFETCH(int, to);
    const Format source = from == 0 ? kF16 : kBF16;
    QByteArray data(65536 * 2, Qt::Uninitialized);
    for (uint32_t code = 0; code < 65536; ++code) {
        const auto bits = static_cast<uint16_t>(code);
        std::memcpy(data.data() + code * 2, &bits, 2);
    }
    QTemporaryDir dir;
    const QByteArray dtype(dtypeName(source.dtype).data(), static_cast<qsizetype>(dtypeName(source.dtype).size()));
    const QString path = writeFile(dir, QStringLiteral("codes.safetensors"),
                                   rawFile("{" + tensorJson("c", dtype, {65536}, 0, 131072) + "}", data));
    const auto model = openModel(path);
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out.safetensors"));
    options.targetDtype = to == 4 ? DType::F32 : std::array{kF16, kBF16, kE5M2, kE4M3}[static_cast<size_t>(to)].dtype;
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY(exported);
    const QByteArray out = tensorBytes(*exported->model, "c");
    const Format target = std::array{kF16, kBF16, kE5M2, kE4M3, kF16}[static_cast<size_t>(to)];
    const auto ladder = finiteLadder(target);
    for (uint32_t code = 0; code < 65536; ++code) {
        const auto input = static_cast<float>(decodeCode(source, code));
        if (to == 4) {
            float got;
            std::memcpy(&got, out.constData() + code * 4, 4);
            QVERIFY(std::isnan(input) ? std::isnan(got)
                                      : std::bit_cast<uint32_t>(got) == std::bit_cast<uint32_t>(input));
            continue;
        }
        const size_t width = static_cast<size_t>(target.bits() / 8);
        uint32_t got = 0;
        std::memcpy(&got, out.constData() + code * width, width);
        const Expected expected = roundReference(target, ladder, input);
        if (expected.nan ? !std::isnan(decodeCode(target, got)) : got != expected.code)
            QFAIL(qPrintable(QStringLiteral("source code 0x%1: got 0x%2, expected 0x%3")
                                 .arg(code, 0, 16)
                                 .arg(got, 0, 16)
                                 .arg(expected.code, 0, 16)));
    }
}

void TestExport::singleFileRoundTrip()
{
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("copy.safetensors"));
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    QVERIFY(plan->indexPath.isEmpty());
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY(exported);
    const Model& out = *exported->model;
    QCOMPARE(out.tensorCount(), model->tensorCount());
    for (size_t i = 0; i < model->tensorCount(); ++i)
        QCOMPARE(sha256Of(tensorBytes(out, model->qualifiedName(i))),
                 sha256Of(tensorBytes(*model, model->qualifiedName(i))));
    QCOMPARE(out.metadata().size(), size_t{2});
}

void TestExport::copiedTensorsKeepTheirPageOffset_data()
{
    QTest::addColumn<QStringList>("include");
    QTest::addColumn<bool>("convert");
    QTest::addColumn<quint64>("dataStartPhase"); // of the output, modulo 4096; 0: no padding expected
    // The source's data starts at 8 + 1,000 = 1,008: 8-aligned, not page-aligned. "b" is 64 MiB, the size from
    // which the padding pays.
    QTest::newRow("whole model") << QStringList() << false << 1008ull;
    // Only "b", which sits 1,200 bytes into the source's data: the output's data must start at 2,208 mod 4096.
    QTest::newRow("a later tensor alone") << QStringList{QStringLiteral("^b$")} << false << 2208ull;
    // Only "a": 1,200 bytes copied, too few for padding to pay: the small file is not grown by it.
    QTest::newRow("a small copy") << QStringList{QStringLiteral("^a$")} << false << 0ull;
    // Every tensor converted: nothing is copied, so the header gets no page padding.
    QTest::newRow("all converted") << QStringList() << true << 0ull;
}

void TestExport::copiedTensorsKeepTheirPageOffset()
{
    QFETCH(QStringList, include);
    QFETCH(bool, convert);
    QFETCH(quint64, dataStartPhase);
    QTemporaryDir dir;
    QByteArray header = '{' + tensorJson("a", "F32", {300}, 0, 1200) + ',' +
                        tensorJson("b", "F32", {kBigElements}, 1200, kBigEnd) + '}';
    header.append(QByteArray(1000 - header.size(), ' '));
    const auto model = openModel(writeFile(dir, QStringLiteral("paged.safetensors"), rawFile(header, bigData())));
    QCOMPARE(model->absoluteOffset(0), uint64_t{1008});
    ExportOptions options;
    options.selection.include = include;
    if (convert)
        options.targetDtype = DType::BF16;
    options.outputPath = dir.filePath(QStringLiteral("out.safetensors"));
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY2(exported, qPrintable(exported ? QString() : exported.error().describe()));
    const Model& out = *exported->model;
    QCOMPARE(uint64_t(QFileInfo(options.outputPath).size()),
             out.absoluteOffset(out.tensorCount() - 1) + out.tensor(out.tensorCount() - 1).byteSize());
    if (dataStartPhase == 0) {
        QVERIFY2(out.absoluteOffset(0) < 256, qPrintable(QString::number(out.absoluteOffset(0))));
        return;
    }
    QCOMPARE(out.absoluteOffset(0) % 4096, uint64_t{dataStartPhase});
    for (size_t i = 0; i < out.tensorCount(); ++i) {
        const std::optional<size_t> source = model->find(out.qualifiedName(i));
        QVERIFY(source);
        QCOMPARE(out.absoluteOffset(i) % 4096, model->absoluteOffset(*source) % 4096);
        QCOMPARE(sha256Of(tensorBytes(out, out.qualifiedName(i))), sha256Of(tensorBytes(*model, out.qualifiedName(i))));
    }
}

void TestExport::shardedOutputIsOneModel()
{
    QTemporaryDir dir;
    // 12 tensors of 1000 bytes each across dtypes, cut into shards of at most 2500 bytes: 6 shards of 2.
    QByteArray header = "{";
    QByteArray data;
    for (int i = 0; i < 12; ++i) {
        const QByteArray name = "layer." + QByteArray::number(i);
        const QByteArray dtype = i % 3 == 0 ? "U8" : (i % 3 == 1 ? "F16" : "F32");
        const uint64_t elements = dtype == "U8" ? 1000 : (dtype == "F16" ? 500 : 250);
        header += (i ? "," : "") + tensorJson(name, dtype, {elements}, static_cast<uint64_t>(data.size()),
                                              static_cast<uint64_t>(data.size()) + 1000);
        data += patternBytes(1000, static_cast<uint32_t>(i + 10));
    }
    header += "}";
    const auto model = openModel(writeFile(dir, QStringLiteral("big.safetensors"), rawFile(header, data)));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out"));
    options.maxShardSize = 2500;
    options.metadataPolicy = MetadataPolicy::Replace;
    options.metadata = {{"format", "pt"}};
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    QCOMPARE(plan->files.size(), size_t{6});
    QCOMPARE(QFileInfo(plan->files[0]).fileName(), QStringLiteral("model-00001-of-00006.safetensors"));
    QCOMPARE(QFileInfo(plan->files[5]).fileName(), QStringLiteral("model-00006-of-00006.safetensors"));
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY2(exported, qPrintable(exported ? QString() : exported.error().describe()));

    // Re-opened through the folder as well as the index: one model, identical bytes, no warnings.
    for (const QString& path : {exported->indexPath, options.outputPath}) {
        const auto out = openModel(path);
        QCOMPARE(out->shards().size(), size_t{6});
        QVERIFY(out->warnings().empty());
        QCOMPARE(out->tensorCount(), size_t{12});
        for (size_t i = 0; i < model->tensorCount(); ++i) {
            const std::string_view name = model->qualifiedName(i);
            QCOMPARE(sha256Of(tensorBytes(*out, name)), sha256Of(tensorBytes(*model, name)));
        }
    }
    auto index = readShardIndex(exported->indexPath);
    QVERIFY(index);
    QCOMPARE(index->totalSize, std::optional<uint64_t>(12000));
    QCOMPARE(index->weightMap.size(), size_t{12});
    QCOMPARE(QDir(options.outputPath).entryList(QDir::Files | QDir::Hidden).size(), 7);
}

void TestExport::shardSizes()
{
    QCOMPARE(parseByteSize(QStringLiteral("5GB")), std::optional<uint64_t>(5'000'000'000));
    QCOMPARE(parseByteSize(QStringLiteral("2GiB")), std::optional<uint64_t>(uint64_t{2} << 30));
    QCOMPARE(parseByteSize(QStringLiteral("500mb")), std::optional<uint64_t>(500'000'000));
    QCOMPARE(parseByteSize(QStringLiteral("1.5KB")), std::optional<uint64_t>(1500));
    QCOMPARE(parseByteSize(QStringLiteral("1000")), std::optional<uint64_t>(1000));
    QVERIFY(!parseByteSize(QStringLiteral("five")));
    QVERIFY(!parseByteSize(QStringLiteral("0")));
    QCOMPARE(shardFileName(QStringLiteral("model"), 1, 3), QStringLiteral("model-00001-of-00003.safetensors"));
}

void TestExport::metadataPolicies()
{
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    for (const auto policy : {MetadataPolicy::Keep, MetadataPolicy::Replace, MetadataPolicy::Drop}) {
        ExportOptions options;
        options.outputPath = dir.filePath(QStringLiteral("meta.safetensors"));
        options.metadataPolicy = policy;
        options.metadata = {{"format", "mlx"}};
        auto plan = planExport(*model, options);
        QVERIFY(plan);
        auto exported = runExport(*model, *plan, options, kNever);
        QVERIFY(exported);
        const Model& out = *exported->model;
        if (policy == MetadataPolicy::Drop) {
            QCOMPARE(out.metadataState(), MetadataState::Absent);
        } else {
            QCOMPARE(out.metadata().front().value, std::string(policy == MetadataPolicy::Keep ? "pt" : "mlx"));
            QCOMPARE(out.metadata().size(), size_t(policy == MetadataPolicy::Keep ? 2 : 1));
        }
    }
    ExportOptions invalid;
    invalid.outputPath = dir.filePath(QStringLiteral("bad.safetensors"));
    invalid.metadataPolicy = MetadataPolicy::Replace;
    invalid.metadata = {{"", "x"}};
    QVERIFY(!planExport(*model, invalid));
}

void TestExport::cancelLeavesNothing()
{
    QTemporaryDir dir;
    QByteArray header = "{";
    for (int i = 0; i < 4; ++i)
        header += (i ? "," : "") +
                  tensorJson("t" + QByteArray::number(i), "F32", {1 << 20}, uint64_t(i) << 22, uint64_t(i + 1) << 22);
    header += "}";
    const auto model =
        openModel(writeFile(dir, QStringLiteral("src.safetensors"), rawFile(header, QByteArray(16 << 20, 'z'))));
    for (const bool convert : {false, true}) {
        ExportOptions options;
        options.outputPath = dir.filePath(QStringLiteral("out"));
        options.maxShardSize = 5 << 20;
        if (convert)
            options.targetDtype = DType::BF16;
        auto plan = planExport(*model, options);
        QVERIFY(plan);
        std::atomic_bool cancel{false};
        int calls = 0;
        auto exported = runExport(*model, *plan, options, cancel, [&](double fraction) {
            ++calls;
            if (fraction > 0.4)
                cancel = true;
        });
        QVERIFY(!exported);
        QCOMPARE(exported.error().kind, ErrorKind::Cancelled);
        QVERIFY(calls > 1);
        QCOMPARE(QDir(options.outputPath).entryList(QDir::Files | QDir::Hidden), QStringList());
    }
}

void TestExport::failureLeavesNothing_data()
{
    QTest::addColumn<int>("operation");
    QTest::addColumn<int>("skip");
    QTest::addColumn<QString>("step"); // a crash seam instead of a fault, when set
    QTest::newRow("disk full while copying") << int(IoOperation::Copy) << 0 << QString();
    QTest::newRow("disk full in the second shard") << int(IoOperation::Write) << 1 << QString();
    QTest::newRow("no room for the first file") << int(IoOperation::Allocate) << 0 << QString();
    QTest::newRow("no room for the second shard") << int(IoOperation::Allocate) << 1 << QString();
    QTest::newRow("sync fails") << int(IoOperation::Sync) << 1 << QString();
    QTest::newRow("rename fails") << int(IoOperation::Rename) << 0 << QString();
    QTest::newRow("crash before the renames") << -1 << 0 << QStringLiteral("temp-synced");
}

void TestExport::failureLeavesNothing()
{
    QFETCH(int, operation);
    QFETCH(int, skip);
    QFETCH(QString, step);
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("out"));
    options.maxShardSize = 20;
    int seen = 0;
    options.hooks.injectFault = [&](IoOperation op) { return int(op) == operation && seen++ == skip ? ENOSPC : 0; };
    options.hooks.afterStep = [&](SaveStep at) { return step != QLatin1StringView(saveStepName(at)); };
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    QVERIFY(plan->files.size() > 1);
    auto exported = runExport(*model, *plan, options, kNever);
    QVERIFY(!exported);
    if (step.isEmpty()) {
        QVERIFY2(exported.error().message.contains(QStringLiteral("No space left")),
                 qPrintable(exported.error().message));
        QCOMPARE(QDir(options.outputPath).entryList(QDir::Files | QDir::Hidden), QStringList());
    } else {
        // A crash leaves at most a hidden temp file: never a file under a final name.
        for (const QString& name : QDir(options.outputPath).entryList(QDir::Files | QDir::Hidden))
            QVERIFY2(name.startsWith(u'.') && name.endsWith(QLatin1String(".tmp")), qPrintable(name));
    }
}

void TestExport::byteSizes()
{
    QTemporaryDir dir;
    const auto model = openModel(makeSource(dir));
    ExportOptions options;
    options.outputPath = dir.filePath(QStringLiteral("e4.safetensors"));
    options.targetDtype = DType::F8_E4M3;
    auto plan = planExport(*model, options);
    QVERIFY(plan);
    QCOMPARE(plan->tensors[0].byteSize, uint64_t{4});  // F32 [4] -> 4 bytes
    QCOMPARE(plan->tensors[2].byteSize, uint64_t{4});  // F16 [2,2] -> 4 bytes
    QCOMPARE(plan->tensors[3].byteSize, uint64_t{16}); // I64 kept
    QCOMPARE(plan->notConverted, std::vector<std::string>{"model.ids"});
    QCOMPARE(plan->totalBytes, uint64_t{4 + 4 + 4 + 16});
}

QTEST_GUILESS_MAIN(TestExport)
#include "tst_export.moc"
