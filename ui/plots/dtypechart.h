#pragma once

#include "ui/models/modelsummary.h"

#include <QWidget>

class QCustomPlot;

namespace safescope {

/// A horizontal bar chart of bytes per dtype; draws the summary it is given, computes nothing.
class DTypeChart final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DTypeChart)

public:
    explicit DTypeChart(QWidget* parent = nullptr);
    ~DTypeChart() override;

    void setRows(const std::vector<ModelSummary::Row>& dtypes);

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyPalette();

    QCustomPlot* m_plot;
    std::vector<ModelSummary::Row> m_rows;
};

} // namespace safescope
