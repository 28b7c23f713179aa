#pragma once

#include "core/values/tensorslice.h"

#include <QWidget>

#include <span>
#include <vector>

class QComboBox;
class QGridLayout;
class QLabel;

namespace safescope {

/// Chooses a 2-D slice of an N-D tensor: which axis runs down the rows, which across the columns, and an index
/// (spin box and slider) for every other axis.
class SliceControls final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceControls)

public:
    explicit SliceControls(QWidget* parent = nullptr);
    ~SliceControls() override;

    /// A tensor's shape and the slice to show; no signal is emitted.
    void setShape(std::span<const uint64_t> shape, const SliceSpec& spec);
    /// Shows another spec of the same shape; no signal is emitted.
    void setSpec(const SliceSpec& spec);
    const SliceSpec& spec() const { return m_spec; }

signals:
    void specChanged(const safescope::SliceSpec& spec);

private:
    void rebuild();
    void updateSummary();
    void onDimensionPicked(bool rows, int dim);
    void onIndexChanged(int axis, int value);

    std::vector<uint64_t> m_shape;
    SliceSpec m_spec;
    QComboBox* m_rows;
    QComboBox* m_cols;
    QGridLayout* m_fixed;
    QLabel* m_summary;
    bool m_updating = false;
};

} // namespace safescope
