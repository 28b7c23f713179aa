#pragma once

#include "core/values/histogram.h"

#include <QWidget>

class QCPGraph;
class QCustomPlot;

namespace safescope {

/// Two histograms over the same bins drawn as translucent steps on one axis: A's and B's value distributions,
/// where a scaled or shifted layer shows up as two shapes that no longer coincide.
class OverlayHistogramPlot final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OverlayHistogramPlot)

public:
    explicit OverlayHistogramPlot(QWidget* parent = nullptr);
    ~OverlayHistogramPlot() override;

    /// Either histogram may be empty (a tensor only in one model).
    void setHistograms(const Histogram& a, const Histogram& b, const QString& note = {});
    void clear(const QString& message = {});
    QCustomPlot* plot() const { return m_plot; }

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyPalette();

    QCustomPlot* m_plot;
    QCPGraph* m_a;
    QCPGraph* m_b;
};

} // namespace safescope
