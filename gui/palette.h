// The colours every view uses for the same thing: a free block of order k, a slab
// run of size class c, a page-level block, a large run, metadata; and the flashes
// of cache events.
#pragma once

#include <QColor>

#include <cmath>

#include "engine/replay/core_snapshot.h"

namespace allocsim::gui::palette {

// Free blocks: light to deep blue as the order grows.
inline QColor free_block(int order, int max_order) {
    const float t = max_order <= 0 ? 1.0f : static_cast<float>(order) / static_cast<float>(max_order);
    return QColor::fromHsvF(0.58f, 0.15f + 0.55f * t, 0.98f - 0.35f * t);
}
// Slab runs: a hue per size class, spread around the wheel.
inline QColor size_class(int cls) {
    return QColor::fromHsvF(std::fmod(0.07f + static_cast<float>(cls) * 0.137f, 1.0f), 0.55f, 0.90f);
}
inline QColor page_block() { return QColor(230, 140, 40); }
inline QColor large_run() { return QColor(200, 50, 60); }
inline QColor reserved() { return QColor(150, 150, 150); }
inline QColor background() { return QColor(38, 40, 46); }

inline QColor block(const engine::BlockInfo& b, int max_order) {
    switch (b.state) {
        case engine::BlockState::Free: return free_block(b.order, max_order);
        case engine::BlockState::Slab: return size_class(b.size_class);
        case engine::BlockState::Block: return page_block();
        case engine::BlockState::Large: return large_run();
        case engine::BlockState::Reserved: return reserved();
    }
    return reserved();
}

inline const char* state_name(engine::BlockState s) {
    switch (s) {
        case engine::BlockState::Free: return "free";
        case engine::BlockState::Slab: return "slab run";
        case engine::BlockState::Block: return "page block";
        case engine::BlockState::Large: return "large run";
        case engine::BlockState::Reserved: return "metadata";
    }
    return "?";
}

inline QColor hit() { return QColor(80, 200, 110); }
inline QColor miss() { return QColor(230, 70, 70); }
inline QColor refill() { return QColor(80, 150, 240); }
inline QColor drain() { return QColor(190, 110, 230); }

inline QColor object(engine::ObjectState s) {
    switch (s) {
        case engine::ObjectState::Used: return QColor(230, 150, 60);
        case engine::ObjectState::Free: return QColor(90, 170, 110);
        case engine::ObjectState::Cached: return QColor(90, 150, 230);
        case engine::ObjectState::Remote: return QColor(200, 100, 200);
    }
    return Qt::gray;
}

}  // namespace allocsim::gui::palette
