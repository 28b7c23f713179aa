#pragma once

#include "ui/models/tensortree.h"

#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QTabWidget;

namespace safescope {

class ElidedLabel;
class HeatmapPanel;
class SlicePanel;
class StatisticsPanel;

/// Facts about the selected tensor (or module group), and below them the tensor's values: statistics with a
/// histogram, a slice table and a heatmap, each in its own tab.
class TensorPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TensorPage)

public:
    explicit TensorPage(QWidget* parent = nullptr);
    ~TensorPage() override;

    void setTree(std::shared_ptr<const TensorTree> tree);
    void showNode(uint32_t node);
    /// The value of a fact row by its label ("DType", "Shape", ...), for tests.
    QString fact(const QString& label) const;
    QString title() const;
    /// The tabs of the tensor's values: statistics, slice and heatmap.
    QTabWidget* valuesArea() const { return m_values; }
    enum ValuesTab
    {
        StatisticsTab,
        SliceTab,
        HeatmapTab
    };
    /// Shows a values tab by name: values (or statistics), slice, heatmap. False for an unknown name.
    bool showValuesTab(const QString& name);
    StatisticsPanel* statisticsPanel() const { return m_statistics; }
    SlicePanel* slicePanel() const { return m_slice; }
    HeatmapPanel* heatmapPanel() const { return m_heatmap; }
    /// For a quantized weight: show the raw stored parts' codes instead of the dequantized values.
    QCheckBox* storedCodesSwitch() const { return m_storedCodes; }
    /// Which stored part the stored codes show (the main part first, then scales, zeros, ...).
    QComboBox* storedPartChoice() const { return m_storedPart; }

private:
    void addFact(const QString& label, const QString& value);
    void showTensor(size_t index);
    void showGroup(const TensorTree::Node& node);
    void showLogical(const TensorTree::Node& node);
    /// Points the values tabs at the logical tensor's dequantized values or at the chosen stored part's codes.
    void showLogicalValues();
    void clearValues();

    std::shared_ptr<const TensorTree> m_tree;
    ElidedLabel* m_title;
    QLabel* m_kind;
    QFormLayout* m_facts;
    QTabWidget* m_values;
    QWidget* m_codesBar;
    QCheckBox* m_storedCodes;
    QComboBox* m_storedPart;
    uint32_t m_logicalNode = TensorTree::kNone; ///< the quantized weight shown, else kNone
    StatisticsPanel* m_statistics;
    SlicePanel* m_slice;
    HeatmapPanel* m_heatmap;
};

} // namespace safescope
