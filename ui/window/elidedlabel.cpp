#include "ui/window/elidedlabel.h"

#include <QResizeEvent>

namespace safescope {

ElidedLabel::ElidedLabel(QWidget* parent) : QLabel(parent)
{
    setWordWrap(false);
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
}

ElidedLabel::~ElidedLabel() = default;

void ElidedLabel::setFullText(const QString& text)
{
    m_fullText = text;
    setToolTip(text);
    updateElided();
}

QSize ElidedLabel::minimumSizeHint() const
{
    // One line high whatever the text; any width will do, the text elides to it.
    return {fontMetrics().averageCharWidth() * 8, fontMetrics().height()};
}

QSize ElidedLabel::sizeHint() const
{
    return {fontMetrics().horizontalAdvance(m_fullText) + 2, fontMetrics().height()};
}

void ElidedLabel::resizeEvent(QResizeEvent* event)
{
    QLabel::resizeEvent(event);
    updateElided();
}

void ElidedLabel::updateElided()
{
    const int width = contentsRect().width();
    setText(width > 0 ? fontMetrics().elidedText(m_fullText, Qt::ElideMiddle, width) : m_fullText);
}

} // namespace safescope
