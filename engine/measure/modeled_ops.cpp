#include "engine/measure/modeled_ops.h"

#include <unordered_map>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

namespace {

struct FeaturesHash {
    std::size_t operator()(const CostFeatures& f) const {
        std::uint64_t h = 1469598103934665603ull;
        for (const std::uint32_t v : f) h = (h ^ v) * 1099511628211ull;
        return static_cast<std::size_t>(h);
    }
};

}  // namespace

ModeledOps model_ops(traces::Database& db, const std::string& trace, const ReplaySettings& settings) {
    ModeledOps out;
    std::unordered_map<CostFeatures, std::uint32_t, FeaturesHash> index;
    CostFeatures current{};
    ModeledOp op;
    ReplayListener listener;
    listener.action = [&](const Action& a) {
        add_action_features(current, a);
        op.kinds |= 1u << static_cast<unsigned>(a.kind);
        op.splits += a.kind == ActionKind::BuddySplit;
        ++out.actions[static_cast<std::size_t>(a.kind)];
    };
    listener.op = [&](const OpSpan& span) {
        current[kOpBase] = 1;
        current[kLineTransfer] = span.transfers;
        const auto [it, fresh] = index.try_emplace(current, static_cast<std::uint32_t>(out.signatures.size()));
        if (fresh) out.signatures.push_back(current);
        op.signature = it->second;
        op.cycles = static_cast<std::uint64_t>(span.end - span.start);
        const std::uint64_t priced = price(settings.model, current);
        op.unpriced = op.cycles > priced ? op.cycles - priced : 0;
        op.waited = span.wait > 0;
        op.transfers = span.transfers;
        op.lock_wait = span.lock_wait;
        out.ops.push_back(op);
        op = ModeledOp{};
        current = CostFeatures{};
    };
    const ReplayResult result = replay(db, trace, settings, {}, &listener);
    out.summary = result.summary;
    return out;
}

}  // namespace allocsim::engine
