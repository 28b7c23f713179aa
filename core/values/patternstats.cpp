#include "core/values/patternstats.h"

#include "core/values/moments.h"
#include "core/values/percentiles.h"

#include <algorithm>
#include <cmath>

namespace safescope {

namespace {

using ValueCounts = std::vector<std::pair<double, uint64_t>>;

// The finite values that occur, sorted, with their counts; non-finite ones go to `classes`.
ValueCounts finiteValueCounts(const PatternCounts& counts, ClassCounts* classes)
{
    const std::vector<double> values = codeValues(counts.dtype);
    const double minNormal = smallestNormal(counts.dtype);
    ValueCounts out;
    // Sized once: growing by doubling would fill up to twice the final table in fresh pages.
    out.reserve(static_cast<size_t>(
        std::count_if(counts.counts.begin(), counts.counts.end(), [](uint64_t c) { return c != 0; })));
    for (size_t code = 0; code < counts.counts.size(); ++code) {
        const uint64_t c = counts.counts[code];
        if (c == 0)
            continue;
        const double v = values[code];
        if (std::isnan(v)) {
            if (classes)
                classes->nan += c;
            continue;
        }
        if (std::isinf(v)) {
            if (classes)
                (v > 0 ? classes->posinf : classes->neginf) += c;
            continue;
        }
        if (classes) {
            classes->zeros += v == 0.0 ? c : 0;
            classes->subnormal += v != 0.0 && std::fabs(v) < minNormal ? c : 0;
        }
        out.emplace_back(v, c);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Histogram histogramFromValues(const ValueCounts& values, const HistogramSpec& spec)
{
    double minAbs = HUGE_VAL;
    double maxAbs = 0.0;
    for (const auto& [v, c] : values) {
        if (v != 0.0)
            minAbs = std::min(minAbs, std::fabs(v));
        maxAbs = std::max(maxAbs, std::fabs(v));
    }
    const double lo = values.empty() ? HUGE_VAL : values.front().first;
    const double hi = values.empty() ? -HUGE_VAL : values.back().first;
    const Binning binning = Binning::resolve(spec, lo, hi, minAbs, maxAbs);
    Histogram h = binning.makeHistogram();
    for (const auto& [v, c] : values) {
        const int bin = binning.binOf(v);
        if (bin == -1)
            h.below += c;
        else if (bin == binning.bins())
            h.above += c;
        else if (bin >= 0)
            h.counts[static_cast<size_t>(bin)] += c;
    }
    return h;
}

} // namespace

ValueStats statsFromCounts(const PatternCounts& counts, const HistogramSpec& spec)
{
    ValueStats s;
    ClassCounts classes;
    const ValueCounts values = finiteValueCounts(counts, &classes);
    Moments m;
    for (const auto& [v, c] : values) {
        const double n = static_cast<double>(c);
        Moments::addCompensated(m.sum, m.sumCompensation, v * n);
        Moments::addCompensated(m.sumSq, m.sumSqCompensation, v * v * n);
        m.n += c;
    }
    for (uint64_t c : counts.counts)
        s.count += c;
    s.finite = m.n;
    s.sum = m.totalSum();
    s.l2 = std::sqrt(m.totalSumSq());
    s.mean = s.finite ? s.sum / static_cast<double>(s.finite) : std::nan("");
    double m2 = 0.0;
    for (const auto& [v, c] : values)
        m2 += static_cast<double>(c) * (v - s.mean) * (v - s.mean);
    s.std = s.finite ? std::sqrt(m2 / static_cast<double>(s.finite)) : std::nan("");
    s.min = values.empty() ? std::nan("") : values.front().first;
    s.max = values.empty() ? std::nan("") : values.back().first;
    s.zeros = classes.zeros;
    s.nan = classes.nan;
    s.posinf = classes.posinf;
    s.neginf = classes.neginf;
    s.subnormal = classes.subnormal;
    s.percentiles = exactPercentiles(values, s.finite);
    s.histogram = histogramFromValues(values, spec);
    s.exact = true;
    s.percentileError = 0.0;
    return s;
}

BoolCounts boolCountsFromPatterns(const PatternCounts& counts)
{
    BoolCounts b;
    for (size_t code = 0; code < counts.counts.size(); ++code)
        (code == 0 ? b.falseCount : code == 1 ? b.trueCount : b.other) += counts.counts[code];
    return b;
}

Histogram histogramFromCounts(const PatternCounts& counts, const HistogramSpec& spec)
{
    return histogramFromValues(finiteValueCounts(counts, nullptr), spec);
}

} // namespace safescope
