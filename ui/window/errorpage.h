#pragma once

#include "core/format/error.h"

#include <QWidget>

class QLabel;

namespace safescope {

/// Says, in words, why a model could not be opened: the file, the kind of problem, where, and what the file
/// really is when sniffing recognised it.
class ErrorPage final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ErrorPage)

public:
    explicit ErrorPage(QWidget* parent = nullptr);
    ~ErrorPage() override;

    void setError(const Error& error);
    /// All visible text, for tests and "Copy details".
    QString text() const;

    /// A sentence explaining an error kind to someone who has not read the format specification.
    static QString explainKind(ErrorKind kind);

signals:
    void reloadRequested();
    void openRequested();

private:
    QLabel* m_title;
    QLabel* m_explanation;
    QLabel* m_details;
};

} // namespace safescope
