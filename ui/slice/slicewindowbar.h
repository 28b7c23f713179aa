#pragma once

#include <QWidget>

#include <cstdint>

class QLabel;
class QLineEdit;
class QToolButton;

namespace safescope {

/// Moves the slice table over axes too long for one table (SliceTableModel::kMaxSections sections): for each such
/// axis the span the table holds ("Rows 2,000,000 – 3,048,575 of 3,145,733"), a field for the index to show first
/// and buttons that page a whole window back or on. Hidden while both axes fit in the table.
class SliceWindowBar final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SliceWindowBar)

public:
    explicit SliceWindowBar(QWidget* parent = nullptr);
    ~SliceWindowBar() override;

    /// The slice's size and the table's first row and column; shows or hides the bar, no signal is emitted.
    void setWindow(uint64_t rows, uint64_t cols, uint64_t rowOrigin, uint64_t colOrigin);

signals:
    /// The user asked for slice row (Qt::Vertical) or column (Qt::Horizontal) `index` at the table's top (left);
    /// it lies within the slice.
    void firstIndexRequested(Qt::Orientation orientation, uint64_t index);

private:
    /// The widgets and state of one axis.
    struct Axis
    {
        QWidget* box = nullptr;
        QLabel* span = nullptr;
        QLineEdit* first = nullptr;
        QToolButton* previous = nullptr;
        QToolButton* next = nullptr;
        uint64_t count = 0;
        uint64_t origin = 0;
        uint64_t wanted = 0; ///< the index in the field: the window's first, or what the user asked for inside it
    };

    void buildAxis(Axis& axis, bool rows);
    void updateAxis(Axis& axis, bool rows, uint64_t count, uint64_t origin);
    void onFirstEdited(bool rows, bool always);
    void request(bool rows, uint64_t index);

    Axis m_rows;
    Axis m_cols;
    bool m_requesting = false; ///< within firstIndexRequested: the window that follows answers the user
};

} // namespace safescope
