#include "core/export/tensorselection.h"

#include "core/format/model.h"
#include "core/text/textutil.h"

#include <QRegularExpression>

#include <algorithm>

namespace safescope {

namespace {

Result<std::vector<QRegularExpression>> compile(const QStringList& patterns)
{
    std::vector<QRegularExpression> compiled;
    for (const QString& pattern : patterns) {
        QRegularExpression expression(pattern);
        if (!expression.isValid()) {
            return makeError(ErrorKind::InvalidArgument, QStringLiteral("the pattern '%1' is not a valid regular "
                                                                        "expression: %2 (at character %3)")
                                                             .arg(pattern, expression.errorString())
                                                             .arg(expression.patternErrorOffset()));
        }
        expression.optimize();
        compiled.push_back(std::move(expression));
    }
    return compiled;
}

bool anyMatches(const std::vector<QRegularExpression>& expressions, const QString& name)
{
    return std::any_of(expressions.begin(), expressions.end(),
                       [&name](const QRegularExpression& expression) { return expression.match(name).hasMatch(); });
}

} // namespace

Result<std::vector<size_t>> selectTensors(const Model& model, const SelectionRules& rules)
{
    auto include = compile(rules.include);
    if (!include)
        return include.error();
    auto exclude = compile(rules.exclude);
    if (!exclude)
        return exclude.error();

    std::vector<char> chosen(model.tensorCount(), rules.names ? 0 : 1);
    if (rules.names) {
        for (const std::string& name : *rules.names) {
            const auto index = model.find(name);
            if (!index)
                return makeError(ErrorKind::InvalidArgument,
                                 QStringLiteral("there is no tensor named '%1'").arg(QString::fromStdString(name)),
                                 model.path(), QString::fromStdString(name));
            chosen[*index] = 1;
        }
    }
    std::vector<size_t> selected;
    for (size_t i = 0; i < model.tensorCount(); ++i) {
        if (!chosen[i])
            continue;
        const QString name = toQString(model.qualifiedName(i));
        if (!include->empty() && !anyMatches(*include, name))
            continue;
        if (anyMatches(*exclude, name))
            continue;
        selected.push_back(i);
    }
    return selected;
}

} // namespace safescope
