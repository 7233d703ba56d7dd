// The built-in default trace, so that allocsim-gui started with nothing to open
// shows something moving at once: the "default" workload (traces/generators.h,
// made through engine/catalog/trace_catalog.h),
// generated once into a database in the user's data folder.
#pragma once

#include <QString>

namespace allocsim::gui {

inline constexpr const char* kDefaultTrace = "default";

// The database holding the default trace, generated there if missing. Throws if it
// cannot be written.
QString default_database();

}  // namespace allocsim::gui
