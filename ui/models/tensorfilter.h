#pragma once

#include "core/format/tensorinfo.h"

#include <QCoreApplication>
#include <QRegularExpression>
#include <QString>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace safescope {

/// The filter box language: words separated by spaces, all of which must match (AND).
///   text            case-insensitive substring of the qualified name (a regular expression in regex mode)
///   dtype:BF16      dtype, case-insensitive; dtype:BF16,F16 means either
///   shape:[*,4096]  exact rank, '*' matches any dimension; shape:[] is a scalar
///   numel>1e6       element count; operators < <= = >= > (':' means =)
///   ndim:2          rank, same operators
/// "double quotes" keep spaces inside one word; spaces inside [...] do not split.
class TensorFilter final
{
    Q_DECLARE_TR_FUNCTIONS(TensorFilter)

public:
    /// Parses `text`; on a syntax error the result is invalid and error() says what is wrong.
    static TensorFilter parse(const QString& text, bool regex = false);

    bool isValid() const { return m_error.isEmpty(); }
    const QString& error() const { return m_error; }
    /// True when the filter accepts everything (no words).
    bool isEmpty() const { return m_terms.empty(); }
    bool matches(const TensorInfo& tensor, std::string_view qualifiedName) const;

private:
    enum class Kind { Text, Regex, DType, Shape, Numel, NDim };
    enum class Op { Less, LessEqual, Equal, GreaterEqual, Greater };
    struct Term
    {
        Kind kind = Kind::Text;
        std::string text; ///< lower-case needle
        QRegularExpression regex;
        std::vector<DType> dtypes;
        std::vector<std::optional<uint64_t>> dims; ///< nullopt = '*'
        Op op = Op::Equal;
        double number = 0;
    };

    static std::vector<QString> tokenize(const QString& text, QString& error);
    bool parseWord(const QString& word, bool regex);
    bool parsePredicate(const QString& key, const QString& op, const QString& value);
    static bool compare(double value, Op op, double reference);
    bool matchTerm(const Term& term, const TensorInfo& tensor, std::string_view name) const;

    std::vector<Term> m_terms;
    QString m_error;
};

} // namespace safescope
