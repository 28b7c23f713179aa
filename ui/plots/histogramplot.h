#pragma once

#include "core/values/histogram.h"
#include "core/values/tensorstats.h"

#include <QWidget>

class QCPAbstractPlottable;
class QCPItemText;
class QCustomPlot;

namespace safescope {

/// A histogram as bars: wheel zooms and drag pans the value axis, Shift+drag selects a value range to re-bin,
/// hovering shows a bin's range and count. Log bins (over |x|) are drawn as a filled step line on a logarithmic
/// |x| axis. Draws only what it is given; binning happens elsewhere.
class HistogramPlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistogramPlot)

public:
    explicit HistogramPlot(QWidget* parent = nullptr);
    ~HistogramPlot() override;

    /// `note` is drawn in the corner (e.g. "sample"); empty for none.
    void setHistogram(const Histogram& histogram, const QString& note = {});
    /// BOOL tensors: a bar per value (false, true, and other bytes when present).
    void setBoolCounts(const BoolCounts& counts, const QString& note = {});
    void clear(const QString& message = {});
    void setLogY(bool logY);
    bool logY() const { return m_logY; }

    /// The tooltip text at a value-axis position: bin range and count; empty outside the bins.
    QString hoverText(double key) const;
    const Histogram& histogram() const { return m_histogram; }
    /// Sum of the counts drawn (for tests and the status line).
    uint64_t total() const;
    QCustomPlot* plot() const { return m_plot; }

signals:
    /// Shift+drag: the user asks for bins inside [lo, hi] (of |x| when the shown bins are logarithmic).
    void rangeSelected(double lo, double hi);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void changeEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void rebuildBars();
    void rebuildSteps();
    void fitAxes();
    void fitTickCount();
    void onSelectionAccepted(const QRect& rect);

    QCustomPlot* m_plot;
    QCPAbstractPlottable* m_shape = nullptr; ///< bars, or a step line for log bins
    QCPItemText* m_note;
    Histogram m_histogram;
    std::vector<QString> m_categories; ///< bool charts: the bar labels
    bool m_logY = false;
};

} // namespace safescope
