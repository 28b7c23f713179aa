#include "ui/models/tensorfilter.h"

#include <QStringList>

#include <algorithm>

namespace safescope {

namespace {

char asciiLower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// ASCII case folding, as std::tolower does byte by byte in any locale a name's UTF-8 bytes can meet, but inline:
// std::tolower is a call per byte, and was a third of a filter keystroke over 90,000 names.
bool containsCaseInsensitive(std::string_view haystack, std::string_view lowerNeedle)
{
    if (lowerNeedle.empty())
        return true;
    if (haystack.size() < lowerNeedle.size())
        return false;
    const char first = lowerNeedle.front();
    const char firstUpper = first >= 'a' && first <= 'z' ? static_cast<char>(first - 'a' + 'A') : first;
    const std::string_view rest = lowerNeedle.substr(1);
    const size_t lastStart = haystack.size() - lowerNeedle.size();
    for (size_t i = 0; i <= lastStart; ++i) {
        if (haystack[i] != first && haystack[i] != firstUpper)
            continue;
        size_t k = 0;
        while (k < rest.size() && asciiLower(haystack[i + 1 + k]) == rest[k])
            ++k;
        if (k == rest.size())
            return true;
    }
    return false;
}

std::optional<DType> dtypeFromUserText(const QString& text)
{
    const QByteArray upper = text.trimmed().toUpper().toUtf8();
    for (int i = 0; i < kDTypeCount; ++i) {
        const DType type = allDTypes()[i];
        const std::string_view name = dtypeName(type);
        // Case-insensitive: the names are upper case except the 'fnuz' suffixes.
        if (QByteArray(name.data(), static_cast<qsizetype>(name.size())).toUpper() == upper)
            return type;
    }
    return std::nullopt;
}

} // namespace

TensorFilter TensorFilter::parse(const QString& text, bool regex)
{
    TensorFilter filter;
    const std::vector<QString> words = tokenize(text, filter.m_error);
    for (const QString& word : words) {
        if (!filter.isValid() || !filter.parseWord(word, regex))
            break;
    }
    if (!filter.isValid())
        filter.m_terms.clear();
    return filter;
}

std::vector<QString> TensorFilter::tokenize(const QString& text, QString& error)
{
    std::vector<QString> words;
    QString current;
    int depth = 0;
    bool quoted = false;
    for (const QChar c : text) {
        if (c == u'"') {
            quoted = !quoted;
        } else if (!quoted && c == u'[') {
            ++depth;
            current += c;
        } else if (!quoted && c == u']') {
            --depth;
            current += c;
        } else if (!quoted && depth <= 0 && c.isSpace()) {
            if (!current.isEmpty())
                words.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (quoted)
        error = tr("Missing closing quote.");
    else if (depth != 0)
        error = tr("Unbalanced brackets.");
    if (!current.isEmpty())
        words.push_back(current);
    return words;
}

bool TensorFilter::parseWord(const QString& word, bool regex)
{
    static const QRegularExpression predicate(QStringLiteral("^([A-Za-z]+)(<=|>=|<|>|=|:)(.*)$"));
    const QRegularExpressionMatch match = predicate.match(word);
    if (match.hasMatch()) {
        const QString key = match.captured(1).toLower();
        static const QStringList known{QStringLiteral("dtype"), QStringLiteral("shape"), QStringLiteral("numel"),
                                       QStringLiteral("ndim")};
        if (known.contains(key))
            return parsePredicate(key, match.captured(2), match.captured(3));
        if (match.captured(2) == u':') {
            m_error = tr("Unknown filter '%1:' (use dtype:, shape:, numel or ndim).").arg(key);
            return false;
        }
    }
    Term term;
    if (regex) {
        term.kind = Kind::Regex;
        term.regex = QRegularExpression(word, QRegularExpression::CaseInsensitiveOption);
        if (!term.regex.isValid()) {
            m_error = tr("Invalid regular expression '%1': %2.").arg(word, term.regex.errorString());
            return false;
        }
    } else if (std::all_of(word.begin(), word.end(), [](QChar c) { return c.unicode() < 0x80; })) {
        term.kind = Kind::Text;
        term.text = word.toLower().toStdString();
    } else {
        // Beyond ASCII, case has to be folded as Unicode does ("Über" finds "über"): the name is matched as text,
        // which costs a conversion a name, paid only for such words.
        term.kind = Kind::Regex;
        term.regex =
            QRegularExpression(QRegularExpression::escape(word), QRegularExpression::CaseInsensitiveOption |
                                                                     QRegularExpression::UseUnicodePropertiesOption);
    }
    m_terms.push_back(std::move(term));
    return true;
}

bool TensorFilter::parsePredicate(const QString& key, const QString& op, const QString& value)
{
    Term term;
    if (key == u"dtype" || key == u"shape") {
        if (op != u":") {
            m_error = tr("Write %1:VALUE (only ':' works for %1).").arg(key);
            return false;
        }
    }
    if (key == u"dtype") {
        term.kind = Kind::DType;
        for (const QString& name : value.split(u',', Qt::SkipEmptyParts)) {
            const std::optional<DType> type = dtypeFromUserText(name);
            if (!type) {
                m_error = tr("Unknown dtype '%1'.").arg(name);
                return false;
            }
            term.dtypes.push_back(*type);
        }
        if (term.dtypes.empty()) {
            m_error = tr("dtype: needs a dtype name, e.g. dtype:BF16.");
            return false;
        }
    } else if (key == u"shape") {
        term.kind = Kind::Shape;
        QString inner = value.trimmed();
        if (inner.startsWith(u'[') != inner.endsWith(u']')) {
            m_error = tr("Shape '%1' needs both brackets, e.g. shape:[*,4096].").arg(value);
            return false;
        }
        if (inner.startsWith(u'['))
            inner = inner.mid(1, inner.size() - 2);
        if (!inner.trimmed().isEmpty()) {
            for (const QString& part : inner.split(u',')) {
                const QString dim = part.trimmed();
                if (dim == u"*") {
                    term.dims.emplace_back(std::nullopt);
                    continue;
                }
                bool ok = false;
                const qulonglong number = dim.toULongLong(&ok);
                if (!ok) {
                    m_error = tr("'%1' is not a dimension (a number or *).").arg(dim);
                    return false;
                }
                term.dims.emplace_back(number);
            }
        }
    } else {
        term.kind = key == u"numel" ? Kind::Numel : Kind::NDim;
        static const QStringList ops{QStringLiteral("<"), QStringLiteral("<="), QStringLiteral("="),
                                     QStringLiteral(">="), QStringLiteral(">")};
        term.op = op == u":" ? Op::Equal : static_cast<Op>(ops.indexOf(op));
        bool ok = false;
        term.number = value.trimmed().toDouble(&ok);
        if (!ok || value.trimmed().isEmpty()) {
            m_error = tr("'%1' is not a number (after %2%3).").arg(value, key, op);
            return false;
        }
    }
    m_terms.push_back(std::move(term));
    return true;
}

bool TensorFilter::compare(double value, Op op, double reference)
{
    switch (op) {
    case Op::Less:
        return value < reference;
    case Op::LessEqual:
        return value <= reference;
    case Op::Equal:
        return value == reference;
    case Op::GreaterEqual:
        return value >= reference;
    case Op::Greater:
        return value > reference;
    }
    return false;
}

bool TensorFilter::matches(const TensorInfo& tensor, std::string_view qualifiedName) const
{
    return std::all_of(m_terms.begin(), m_terms.end(),
                       [&](const Term& term) { return matchTerm(term, tensor, qualifiedName); });
}

bool TensorFilter::matchTerm(const Term& term, const TensorInfo& tensor, std::string_view name) const
{
    switch (term.kind) {
    case Kind::Text:
        return containsCaseInsensitive(name, term.text);
    case Kind::Regex:
        return term.regex.match(QString::fromUtf8(name.data(), static_cast<qsizetype>(name.size()))).hasMatch();
    case Kind::DType:
        return std::find(term.dtypes.begin(), term.dtypes.end(), tensor.dtype) != term.dtypes.end();
    case Kind::Shape:
        if (term.dims.size() != tensor.shape.size())
            return false;
        for (size_t i = 0; i < term.dims.size(); ++i) {
            if (term.dims[i] && *term.dims[i] != tensor.shape[i])
                return false;
        }
        return true;
    case Kind::Numel:
        return compare(static_cast<double>(tensor.elementCount), term.op, term.number);
    case Kind::NDim:
        return compare(static_cast<double>(tensor.rank()), term.op, term.number);
    }
    return false;
}

} // namespace safescope
