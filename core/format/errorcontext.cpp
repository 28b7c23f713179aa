#include "core/format/errorcontext.h"

#include "core/format/model.h"
#include "core/text/textutil.h"

namespace safescope {

Error inTensor(Error error, const Model& model, size_t index)
{
    if (error.kind == ErrorKind::Cancelled || index >= model.tensorCount())
        return error;
    if (error.path.isEmpty())
        error.path = model.shardOf(index).path;
    if (!error.tensor) {
        const QString name = toQString(model.qualifiedName(index));
        error.tensor = name;
        if (!error.message.contains(u'\'' + name + u'\''))
            error.message = QStringLiteral("tensor '%1': %2").arg(name, error.message);
    }
    if (!error.offset)
        error.offset = model.absoluteOffset(index);
    return error;
}

} // namespace safescope
