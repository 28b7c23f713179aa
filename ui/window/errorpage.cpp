#include "ui/window/errorpage.h"

#include "core/remote/location.h"
#include "core/text/format.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QStyle>
#include <QTextDocument>
#include <QVBoxLayout>

namespace safescope {

ErrorPage::ErrorPage(QWidget* parent)
    : QWidget(parent), m_title(new QLabel(this)), m_explanation(new QLabel(this)), m_details(new QLabel(this))
{
    auto* icon = new QLabel(this);
    icon->setPixmap(style()->standardIcon(QStyle::SP_MessageBoxCritical).pixmap(64, 64));
    icon->setAlignment(Qt::AlignTop);

    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.5);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    m_title->setWordWrap(true);
    m_title->setObjectName(QStringLiteral("errorTitle"));
    for (QLabel* label : {m_title, m_explanation, m_details}) {
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
        label->setWordWrap(true);
    }
    m_explanation->setObjectName(QStringLiteral("errorExplanation"));
    m_details->setObjectName(QStringLiteral("errorDetails"));
    m_details->setTextFormat(Qt::RichText);

    auto* reload = new QPushButton(tr("&Reload"), this);
    auto* open = new QPushButton(tr("&Open Another\u2026"), this);
    auto* copy = new QPushButton(tr("&Copy Details"), this);
    connect(reload, &QPushButton::clicked, this, &ErrorPage::reloadRequested);
    connect(open, &QPushButton::clicked, this, &ErrorPage::openRequested);
    connect(copy, &QPushButton::clicked, this, [this] { QApplication::clipboard()->setText(text()); });
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(reload);
    buttons->addWidget(open);
    buttons->addWidget(copy);
    buttons->addStretch();

    auto* text = new QVBoxLayout;
    text->addWidget(m_title);
    text->addSpacing(8);
    text->addWidget(m_explanation);
    text->addSpacing(8);
    text->addWidget(m_details);
    text->addSpacing(16);
    text->addLayout(buttons);

    auto* row = new QHBoxLayout;
    row->addWidget(icon, 0, Qt::AlignTop);
    row->addSpacing(12);
    row->addLayout(text, 1);

    // Long lines are hard to read: the text column stops at a comfortable width, centred in wide windows.
    auto* content = new QWidget(this);
    content->setLayout(row);
    content->setMaximumWidth(900);
    auto* centre = new QHBoxLayout;
    centre->addStretch(1);
    centre->addWidget(content, 4);
    centre->addStretch(1);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(32, 48, 32, 32);
    outer->addLayout(centre);
    outer->addStretch();
}

ErrorPage::~ErrorPage() = default;

void ErrorPage::setError(const Error& error)
{
    const QString file = error.path.isEmpty() ? tr("the model") : locationName(error.path);
    m_title->setText(tr("Can't open \u201c%1\u201d").arg(file));

    // The sniffer's message already explains a foreign format best ("This is a Git LFS pointer..."); otherwise
    // lead with what the kind means, then the precise message.
    QString explanation = error.message;
    if (error.detectedFormat.isEmpty())
        explanation = explainKind(error.kind) + QStringLiteral("\n\n") + error.message;
    m_explanation->setText(explanation);

    QString rows;
    const auto row = [&rows](const QString& label, const QString& value) {
        rows += QStringLiteral("<tr><td style='padding-right:16px'><b>%1</b></td><td>%2</td></tr>")
                    .arg(label.toHtmlEscaped(), value.toHtmlEscaped());
    };
    if (!error.path.isEmpty())
        row(isRemoteLocation(error.path) ? tr("Location") : tr("File"),
            isRemoteLocation(error.path) ? error.path : QDir::toNativeSeparators(error.path));
    row(tr("Problem"),
        QLatin1StringView(errorKindName(error.kind)) + QStringLiteral(" \u2014 ") + explainKind(error.kind));
    if (!error.detectedFormat.isEmpty())
        row(tr("Detected format"), error.detectedFormat);
    if (error.tensor)
        row(tr("Tensor"), *error.tensor);
    if (error.offset)
        row(tr("Byte offset"), tr("%1 (0x%2)").arg(format::count(*error.offset)).arg(*error.offset, 0, 16));
    m_details->setText(QStringLiteral("<table>") + rows + QStringLiteral("</table>"));
}

QString ErrorPage::text() const
{
    QTextDocument details;
    details.setHtml(m_details->text());
    return m_title->text() + u'\n' + m_explanation->text() + u'\n' + details.toPlainText();
}

QString ErrorPage::explainKind(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::HeaderTooSmall:
        return tr("The file is too short to be a safetensors file: it does not even hold the 8-byte header length.");
    case ErrorKind::HeaderTooLarge:
        return tr("The header length at the start of the file is larger than the 100 MB that safetensors allows, "
                  "so this is probably not a safetensors file.");
    case ErrorKind::InvalidHeaderLength:
        return tr("The header claims to be longer than the file: the file is truncated or not a safetensors file.");
    case ErrorKind::InvalidHeader:
        return tr("The header is not valid UTF-8 text.");
    case ErrorKind::InvalidHeaderDeserialization:
        return tr("The header is not the JSON that safetensors expects.");
    case ErrorKind::InvalidOffset:
        return tr("A tensor's data does not start where the previous one ends (a gap or an overlap).");
    case ErrorKind::ValidationOverflow:
        return tr("A tensor's shape is so large that its size cannot be computed.");
    case ErrorKind::MisalignedSlice:
        return tr("A tensor of a packed sub-byte type does not fill a whole number of bytes.");
    case ErrorKind::TensorInvalidInfo:
        return tr("A tensor's byte range does not match its shape and dtype.");
    case ErrorKind::MetadataIncompleteBuffer:
        return tr("The data region is longer or shorter than the tensors need: extra bytes at the end, "
                  "or a truncated download.");
    case ErrorKind::InvalidIndex:
        return tr("The sharded checkpoint's index file cannot be used.");
    case ErrorKind::IoError:
        return tr("The file could not be read.");
    case ErrorKind::FileChanged:
        return tr("The file changed while it was being read.");
    case ErrorKind::Cancelled:
        return tr("Opening was cancelled.");
    case ErrorKind::InvalidArgument:
        return tr("The request does not fit this file.");
    }
    return {};
}

} // namespace safescope
