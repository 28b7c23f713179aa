#pragma once

#include "core/values/tensorslice.h"
#include "core/values/tensorview.h"
#include "ui/models/sliceblockcache.h"
#include "ui/models/slicewindowtablemodel.h"

#include <memory>

namespace safescope {

/// One side of a diff pair's 2-D slice as a table: A's values, B's, or Δ = A - B. Lazy like SliceTableModel: data()
/// decodes only the blocks of cells views ask for (Δ reads the same block of A and of B). The diff view shows three
/// of these side by side, scrolled together. DisplayRole is text, SortRole the decoded double. Axes longer than
/// kMaxSections are shown through a movable window, as in SliceTableModel.
class DiffSliceTableModel final : public SliceWindowTableModel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(DiffSliceTableModel)

public:
    enum class Side : uint8_t
    {
        A,
        B,
        Delta
    };

    explicit DiffSliceTableModel(Side side, QObject* parent = nullptr);
    ~DiffSliceTableModel() override;

    /// Shows the slice `spec` of a pair; the owners keep the views' bytes alive (the Models). Δ needs both sides of
    /// one shape and real dtypes (see deltaslice::incompatibility); A and B need only their own side.
    void setPair(std::shared_ptr<const void> ownerA, const TensorView& a, std::shared_ptr<const void> ownerB,
                 const TensorView& b, const SliceSpec& spec);
    /// Shows another slice of the same pair; false (and nothing changes) when the spec does not fit.
    bool setSpec(const SliceSpec& spec);
    void clear();

    Side side() const { return m_side; }
    const SliceSpec& spec() const { return m_spec; }
    const SliceAddressing& addressing() const { return m_addressing; }
    /// Why the table is empty (missing side, shapes differ, unreadable bytes); empty when all is well.
    QString error() const;

    double cellValue(uint64_t row, uint64_t col) const override;
    /// HexBits shows raw codes on the A and B sides; Δ has no code and is written in scientific notation then.
    QString cellText(uint64_t row, uint64_t col) const override;

private:
    Extent extent() const override;
    void rebuild();
    bool usesA() const { return m_side != Side::B; }
    bool usesB() const { return m_side != Side::A; }

    Side m_side;
    std::shared_ptr<const void> m_ownerA;
    std::shared_ptr<const void> m_ownerB;
    TensorView m_a;
    TensorView m_b;
    SliceSpec m_spec;
    SliceAddressing m_addressing;
    bool m_valid = false;
    SliceBlockCache m_cacheA;
    SliceBlockCache m_cacheB;
    QString m_error;
};

} // namespace safescope
