#pragma once

#include "core/model.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QScrollArea;
class QStackedWidget;
class QTableView;

namespace safescope {

class MetadataModel;

/// `__metadata__` as a key/value table; the selected value is shown in full beside it: pretty-printed when it
/// holds JSON, as a picture when it is a data-URI image.
class MetadataPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MetadataPage)

public:
    explicit MetadataPage(QWidget* parent = nullptr);
    ~MetadataPage() override;

    void setModel(const Model& model);
    /// Selects the first row with this key; false when there is none.
    bool selectKey(const QString& key);
    QTableView* table() const { return m_table; }
    MetadataModel* metadataModel() const { return m_model; }
    /// What the side panel shows: the formatted text, or empty while it shows an image.
    QString detailText() const;
    bool isShowingImage() const;
    /// Pretty-printed JSON when `value` is a JSON object or array, else empty.
    static QString prettyJson(const QString& value);

private:
    void showRow(int row);
    void copy(bool key, bool value);

    MetadataModel* m_model;
    QTableView* m_table;
    QLabel* m_empty;
    QStackedWidget* m_detail;
    QPlainTextEdit* m_text;
    QScrollArea* m_imageArea;
    QLabel* m_image;
};

} // namespace safescope
