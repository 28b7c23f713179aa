#include "core/values/valuetotals.h"

#include "core/values/percentiles.h"

#include <bit>
#include <cstdint>
#include <utility>

namespace safescope {

HistogramPlan::HistogramPlan(const ValueTotals& total, const StatsOptions& options)
    : fineBins(std::max(1, options.fineBins))
{
    const double maxAbs = std::fmax(std::fabs(total.moments.min), std::fabs(total.moments.max));
    fine = Binning::resolve({fineBins, std::nullopt, BinScale::Linear}, total.moments.min, total.moments.max,
                            total.minAbsNonZero, maxAbs);
    coarse = Binning::resolve(options.histogram, total.moments.min, total.moments.max, total.minAbsNonZero, maxAbs);
    // Binning is the costly half of the decode path (a scatter into 65,536 counters): when the requested histogram
    // is the fine one merged by a power of two (same extent; bin positions then differ by an exact power-of-two
    // factor), it is derived instead of binned again.
    const HistogramSpec& spec = options.histogram;
    derivable = spec.scale == BinScale::Linear && !spec.range && spec.bins > 0 && fineBins % spec.bins == 0 &&
                std::has_single_bit(static_cast<unsigned>(fineBins / spec.bins));
}

HistogramCounts::HistogramCounts(const HistogramPlan& plan)
    : fine(static_cast<size_t>(plan.fineBins) + 1, 0),
      coarse(plan.derivable ? 0 : static_cast<size_t>(plan.coarse.bins()) + 1, 0)
{}

void HistogramCounts::binFine(ElementType type, const unsigned char* data, size_t n, const HistogramPlan& plan)
{
    if (recentFine.empty())
        recentFine.assign(fine.size(), 0);
    if (recentValues + n > moveAfter) {
        for (size_t b = 0; b < fine.size(); ++b)
            fine[b] += std::exchange(recentFine[b], 0);
        recentValues = 0;
    }
    binBlock(type, data, n, plan.fine, recentFine.data(), fineBelow, fineAbove);
    recentValues += n;
}

ValueStats statsFromTotals(uint64_t count, const ValueTotals& total, const HistogramPlan& plan,
                           const std::vector<HistogramCounts>& perWorker)
{
    ValueStats r;
    r.count = count;
    r.finite = total.moments.n;
    const bool any = r.finite > 0;
    r.min = any ? total.moments.min : std::nan("");
    r.max = any ? total.moments.max : std::nan("");
    r.mean = any ? total.moments.mean : std::nan("");
    r.std = any ? total.moments.populationStd() : std::nan("");
    r.sum = total.moments.totalSum();
    r.l2 = std::sqrt(total.moments.totalSumSq());
    r.zeros = total.classes.zeros;
    r.nan = total.classes.nan;
    r.posinf = total.classes.posinf;
    r.neginf = total.classes.neginf;
    r.subnormal = total.classes.subnormal;
    std::vector<uint64_t> fineCounts(static_cast<size_t>(plan.fineBins), 0);
    Histogram h = plan.coarse.makeHistogram();
    for (const HistogramCounts& p : perWorker) {
        for (size_t b = 0; b < fineCounts.size(); ++b)
            fineCounts[b] += p.fine[b + 1];
        if (!p.recentFine.empty())
            for (size_t b = 0; b < fineCounts.size(); ++b)
                fineCounts[b] += p.recentFine[b + 1];
        if (plan.derivable)
            continue;
        for (size_t b = 0; b < h.counts.size(); ++b)
            h.counts[b] += p.coarse[b + 1];
        h.below += p.below;
        h.above += p.above;
    }
    if (plan.derivable) {
        const size_t ratio = fineCounts.size() / h.counts.size();
        for (size_t b = 0; b < fineCounts.size(); ++b)
            h.counts[b / ratio] += fineCounts[b];
    }
    r.histogram = std::move(h);
    const double width = (plan.fine.hi() - plan.fine.lo()) / plan.fineBins;
    r.percentiles = histogramPercentiles(fineCounts, plan.fine.lo(), width, r.finite, r.min, r.max);
    r.exact = false;
    r.percentileError = any ? width : 0.0;
    return r;
}

} // namespace safescope
