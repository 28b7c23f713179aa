#pragma once

#include <QLabel>

namespace safescope {

/// A one-line label that elides its text in the middle to the width it is given, with the full text as tooltip.
/// Long tensor names would otherwise wrap (pushing everything below them down as the selection changes) or force
/// their width on the whole page.
class ElidedLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ElidedLabel)

public:
    explicit ElidedLabel(QWidget* parent = nullptr);
    ~ElidedLabel() override;

    void setFullText(const QString& text);
    const QString& fullText() const { return m_fullText; }
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void updateElided();

    QString m_fullText;
};

} // namespace safescope
