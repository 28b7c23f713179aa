#pragma once

#include <QDialog>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QPlainTextEdit;

namespace safescope {

/// Edits one metadata value over several lines. A value that holds a JSON object or array is shown
/// pretty-printed, checked as it is typed, and stored back compact (values are strings in the file).
class ValueEditorDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ValueEditorDialog)

public:
    ValueEditorDialog(const QString& key, const QString& value, QWidget* parent = nullptr);
    ~ValueEditorDialog() override;

    /// The text to store: compact JSON in JSON mode, else the text as typed.
    QString value() const;
    bool isJsonMode() const;
    void setText(const QString& text);

    /// Compact JSON of `text` when it parses as an object or array; else empty with `error` set.
    static QString compactJson(const QString& text, QString* error = nullptr);

private:
    void check();

    QPlainTextEdit* m_edit;
    QCheckBox* m_json;
    QLabel* m_status;
    QDialogButtonBox* m_buttons;
};

} // namespace safescope
