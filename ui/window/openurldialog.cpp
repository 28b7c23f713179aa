#include "ui/window/openurldialog.h"

#include "core/remote/hubconfig.h"
#include "core/remote/location.h"

#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace safescope {

OpenUrlDialog::OpenUrlDialog(QWidget* parent)
    : QDialog(parent), m_edit(new QLineEdit(this)), m_problem(new QLabel(this)), m_open(nullptr)
{
    setWindowTitle(tr("Open URL"));
    auto* label = new QLabel(tr("&Location of a checkpoint on the web or the Hugging Face Hub:"), this);
    label->setBuddy(m_edit);
    m_edit->setObjectName(QStringLiteral("locationEdit"));
    m_edit->setPlaceholderText(
        QStringLiteral("hf://OWNER/REPO[@REVISION][/PATH]  or  https://\u2026/model.safetensors"));
    m_edit->setMinimumWidth(520);
    m_edit->setClearButtonEnabled(true);
    m_problem->setObjectName(QStringLiteral("locationProblem"));
    m_problem->setWordWrap(true);
    m_problem->setForegroundRole(QPalette::PlaceholderText);

    // Where requests go and who they are sent as: the variables huggingface_hub reads (HubConfig).
    const HubConfig config = HubConfig::fromEnvironment();
    auto* hint = new QLabel(
        tr("Only the headers are downloaded to open a model; values are fetched when you look at them.\n"
           "hf:// names go to %1 (set HF_ENDPOINT to change it). Private and gated repositories need a token: "
           "HF_TOKEN, or the token file `hf auth login` writes (%2).")
            .arg(config.endpoint.toDisplayString(), config.token.isEmpty() ? tr("none found") : tr("a token is set")),
        this);
    hint->setWordWrap(true);
    hint->setForegroundRole(QPalette::PlaceholderText);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Open | QDialogButtonBox::Cancel, this);
    m_open = buttons->button(QDialogButtonBox::Open);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_edit, &QLineEdit::textChanged, this, &OpenUrlDialog::validate);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(label);
    layout->addWidget(m_edit);
    layout->addWidget(m_problem);
    layout->addSpacing(8);
    layout->addWidget(hint);
    layout->addWidget(buttons);
    validate();
}

OpenUrlDialog::~OpenUrlDialog() = default;

QString OpenUrlDialog::location() const
{
    return m_edit->text().trimmed();
}

void OpenUrlDialog::setLocation(const QString& text)
{
    m_edit->setText(text);
}

QString OpenUrlDialog::problem() const
{
    const QString text = location();
    if (text.isEmpty())
        return tr("Type or paste a URL (https://, http://) or a Hub name (hf://).");
    if (!isRemoteLocation(text))
        return tr("A location starts with https://, http:// or hf:// (use File > Open for a local file).");
    const Result<Location> parsed = parseLocation(text);
    return parsed ? QString() : parsed.error().message;
}

void OpenUrlDialog::validate()
{
    const QString why = problem();
    m_problem->setText(why);
    m_open->setEnabled(why.isEmpty());
}

} // namespace safescope
