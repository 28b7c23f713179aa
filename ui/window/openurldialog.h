#pragma once

#include <QDialog>

class QLabel;
class QLineEdit;
class QPushButton;

namespace safescope {

/// File > Open URL: one line for an https:// or http:// URL of a .safetensors file or index, or a Hub name
/// hf://OWNER/REPO[@REVISION][/PATH]. Open stays disabled until the text parses as a remote location
/// (core/remote/location.h), and the reason is shown under the line; a hint says where the Hub and the token come
/// from (HF_ENDPOINT, HF_TOKEN).
class OpenUrlDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(OpenUrlDialog)

public:
    explicit OpenUrlDialog(QWidget* parent = nullptr);
    ~OpenUrlDialog() override;

    /// The location typed, trimmed; valid once the dialog was accepted.
    QString location() const;
    void setLocation(const QString& text);
    QLineEdit* lineEdit() const { return m_edit; }
    /// Empty when the text is a usable location, else why not.
    QString problem() const;

private:
    void validate();

    QLineEdit* m_edit;
    QLabel* m_problem;
    QPushButton* m_open;
};

} // namespace safescope
