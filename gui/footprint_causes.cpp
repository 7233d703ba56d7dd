#include "gui/footprint_causes.h"

#include <algorithm>
#include <vector>

#include "gui/palette.h"

namespace allocsim::gui {

const char* cause_name(FootprintCause c) {
    switch (c) {
        case FootprintCause::Live: return "live bytes";
        case FootprintCause::Rounding: return "rounding";
        case FootprintCause::Cached: return "in the caches";
        case FootprintCause::PartialFree: return "free in runs";
        case FootprintCause::RemotePending: return "remote pending";
        case FootprintCause::RunTails: return "run tails";
        case FootprintCause::Metadata: return "metadata";
    }
    return "?";
}

QColor cause_color(FootprintCause c) {
    switch (c) {
        case FootprintCause::Live: return palette::refill();
        case FootprintCause::Rounding: return palette::page_block();
        case FootprintCause::Cached: return palette::hit();
        case FootprintCause::PartialFree: return QColor(90, 170, 110).darker(130);
        case FootprintCause::RemotePending: return palette::drain();
        case FootprintCause::RunTails: return QColor(200, 180, 80);
        case FootprintCause::Metadata: return palette::reserved();
    }
    return Qt::gray;
}

std::array<double, kFootprintCauses> cause_bytes(const FootprintParts& parts, std::uint64_t live) {
    const double handed_out = static_cast<double>(parts.object_bytes + parts.page_bytes);
    const double asked = std::min(handed_out, static_cast<double>(live));
    return {asked,
            handed_out - asked,
            static_cast<double>(parts.cached_bytes),
            static_cast<double>(parts.partial_free_bytes + parts.empty_run_bytes),
            static_cast<double>(parts.remote_pending_bytes),
            static_cast<double>(parts.run_tail_bytes),
            static_cast<double>(parts.metadata_bytes)};
}

namespace {

struct Holder {
    std::uint64_t bytes;
    QString what;
};

QString listed(std::vector<Holder> holders, int limit, const QString& none) {
    if (holders.empty()) return none;
    std::stable_sort(holders.begin(), holders.end(), [](const Holder& a, const Holder& b) { return a.bytes > b.bytes; });
    QString text;
    std::uint64_t rest = 0;
    int shown = 0;
    for (const Holder& h : holders) {
        if (shown < limit) {
            text += QStringLiteral("%1 B: %2<br>").arg(h.bytes).arg(h.what);
            ++shown;
        } else {
            rest += h.bytes;
        }
    }
    if (holders.size() > static_cast<std::size_t>(limit))
        text += QStringLiteral("and %1 more, %2 B").arg(holders.size() - static_cast<std::size_t>(limit)).arg(rest);
    return text;
}

}  // namespace

QString cause_holders(FootprintCause c, const Frame& frame, int limit) {
    const engine::CoreSnapshot& core = frame.core;
    const auto size_of = [&](std::uint8_t cls) -> std::uint64_t {
        return cls < core.class_sizes.size() ? core.class_sizes[cls] : 0;
    };
    const auto run = [&](const engine::BlockInfo& b) {
        return QStringLiteral("slab run at page %1 (class %2, %3 B, cpu %4)").arg(b.first_page).arg(b.size_class).arg(size_of(b.size_class)).arg(b.owner);
    };
    std::vector<Holder> holders;
    switch (c) {
        case FootprintCause::Live:
        case FootprintCause::Rounding:
            // Both live in what was handed out: the runs' objects in use, the page blocks and runs.
            for (const engine::BlockInfo& b : core.blocks) {
                if (b.state == engine::BlockState::Slab && b.objects > b.free_objects)
                    holders.push_back({std::uint64_t{b.objects - b.free_objects} * size_of(b.size_class),
                                       run(b) + QStringLiteral(", %1 objects handed out or cached").arg(b.objects - b.free_objects)});
                if (b.state == engine::BlockState::Block || b.state == engine::BlockState::Large)
                    holders.push_back({std::uint64_t{b.pages} * core.page_bytes,
                                       QStringLiteral("%1 at page %2, %3 pages").arg(palette::state_name(b.state)).arg(b.first_page).arg(b.pages)});
            }
            return (c == FootprintCause::Live ? QStringLiteral("<b>live bytes</b>: what the program asked for, held in<br>")
                                              : QStringLiteral("<b>rounding</b>: objects and page runs handed out beyond the request, in<br>")) +
                   listed(holders, limit, QStringLiteral("nothing handed out"));
        case FootprintCause::Cached:
            for (std::size_t cpu = 0; cpu < core.bins.size(); ++cpu)
                for (std::size_t k = 0; k < core.bins[cpu].size(); ++k)
                    if (core.bins[cpu][k].count > 0)
                        holders.push_back({std::uint64_t{core.bins[cpu][k].count} * size_of(static_cast<std::uint8_t>(k)),
                                           QStringLiteral("cpu %1's bin of class %2 (%3 B): %4 objects").arg(cpu).arg(k).arg(size_of(static_cast<std::uint8_t>(k))).arg(core.bins[cpu][k].count)});
            return QStringLiteral("<b>in the caches</b>: free objects in the CPUs' bins<br>") + listed(holders, limit, QStringLiteral("no bin holds an object"));
        case FootprintCause::PartialFree:
            for (const engine::BlockInfo& b : core.blocks)
                if (b.state == engine::BlockState::Slab && b.free_objects > 0)
                    holders.push_back({std::uint64_t{b.free_objects} * size_of(b.size_class), run(b) + QStringLiteral(", %1 of %2 objects free").arg(b.free_objects).arg(b.objects)});
            return QStringLiteral("<b>free in runs</b>: free objects on the runs' own lists<br>") + listed(holders, limit, QStringLiteral("no run has a free object"));
        case FootprintCause::RemotePending:
            for (std::size_t cpu = 0; cpu < core.bins.size(); ++cpu)
                for (std::size_t k = 0; k < core.bins[cpu].size(); ++k)
                    if (core.bins[cpu][k].remote > 0)
                        holders.push_back({core.bins[cpu][k].remote * size_of(static_cast<std::uint8_t>(k)),
                                           QStringLiteral("cpu %1's remote queue of class %2 (%3 B): %4 objects").arg(cpu).arg(k).arg(size_of(static_cast<std::uint8_t>(k))).arg(core.bins[cpu][k].remote)});
            return QStringLiteral("<b>remote pending</b>: objects freed by another CPU, on their owner's remote queue until "
                                  "it collects them<br>") +
                   listed(holders, limit, QStringLiteral("no remote queue holds an object"));
        case FootprintCause::RunTails:
            for (const engine::BlockInfo& b : core.blocks) {
                if (b.state != engine::BlockState::Slab) continue;
                const std::uint64_t tail = std::uint64_t{b.pages} * core.page_bytes - std::uint64_t{b.objects} * size_of(b.size_class);
                if (tail > 0) holders.push_back({tail, run(b) + QStringLiteral(", %1 objects in %2 pages").arg(b.objects).arg(b.pages)});
            }
            return QStringLiteral("<b>run tails</b>: the end of each run too small for one more object<br>") + listed(holders, limit, QStringLiteral("no run has a tail"));
        case FootprintCause::Metadata: {
            std::uint64_t pages_in_use = 0;
            for (const engine::BlockInfo& b : core.blocks)
                if (b.state != engine::BlockState::Free) pages_in_use += b.pages;
            return QStringLiteral("<b>metadata</b>: the per-CPU caches, slabs and bin sizers, and the page descriptors of the "
                                  "%1 pages in use (32 B each)").arg(pages_in_use);
        }
    }
    return {};
}

}  // namespace allocsim::gui
