#include "core/export/writerlayout.h"

#include <algorithm>

namespace safescope {

const char* writerLayoutName(WriterLayout layout)
{
    switch (layout) {
    case WriterLayout::Empty:
        return "empty";
    case WriterLayout::ReferenceDtypeOrder:
        return "reference (dtype descending, then name)";
    case WriterLayout::NameOrder:
        return "name order";
    case WriterLayout::Other:
        return "other";
    }
    return "other";
}

bool referenceWriterLess(const TensorInfo& a, const TensorInfo& b)
{
    if (a.dtype != b.dtype)
        return a.dtype > b.dtype;
    return a.name < b.name;
}

WriterLayout detectWriterLayout(const std::vector<TensorInfo>& tensors)
{
    if (tensors.empty())
        return WriterLayout::Empty;
    if (std::is_sorted(tensors.begin(), tensors.end(), referenceWriterLess))
        return WriterLayout::ReferenceDtypeOrder;
    if (std::is_sorted(tensors.begin(), tensors.end(),
                       [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; }))
        return WriterLayout::NameOrder;
    return WriterLayout::Other;
}

} // namespace safescope
