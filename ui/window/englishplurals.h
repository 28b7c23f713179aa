#pragma once

#include <QTranslator>

namespace safescope {

/// English plural forms for the untranslated UI. Qt only picks plural forms from a translation, so without one
/// tr("%n tensor(s)", nullptr, n) shows "1 tensor(s)". This translator answers every source text that holds "%n"
/// and a "(s)" suffix with the right form ("1 tensor", "43 tensors"); other texts pass through untouched (an empty
/// answer makes Qt use the source text). A real translation installed later takes precedence.
class EnglishPlurals final : public QTranslator
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnglishPlurals)

public:
    explicit EnglishPlurals(QObject* parent = nullptr);
    ~EnglishPlurals() override;

    QString translate(const char* context, const char* sourceText, const char* disambiguation = nullptr,
                      int n = -1) const override;
    bool isEmpty() const override { return false; }

    /// The form of `source` for count `n`: every "(s)" becomes "s" unless n is 1.
    static QString pluralForm(const QString& source, int n);
};

} // namespace safescope
