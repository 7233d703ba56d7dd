// Waiting for the window: what a program that drives MainWindow without a person
// (the headless screenshots of main.cpp, gui_tests) needs and the window itself does
// not. Each call asks the session's worker, waits until the worker has done it, then
// until the frame it sent has been shown. False (after the window reported why) if
// the worker could not.
#pragma once

#include <QString>

#include <cstdint>

#include "gui/frame.h"

namespace allocsim::gui {

class MainWindow;

namespace drive {

// Waits until the worker has opened the trace, built its overview and reached
// `position`, and the window shows it.
bool seek(MainWindow& window, std::uint64_t position);
// Runs until `stop` (`target` for StopAt::Event, `breakpoint` for StopAt::Breakpoint).
bool run_until(MainWindow& window, StopAt stop, std::uint64_t target = 0, const QString& breakpoint = QString());
// Shows size class `cls` in the slab view, with run `run` (its free list drawn) selected.
void select_slabs(MainWindow& window, int cls, int run);
// The Measured dock for a measured run of the trace.
bool compare_measured(MainWindow& window, std::int64_t run);
// Opens stored run `run` beside the window's (MainWindow::compareWithRun) and waits
// until it shows the same event.
bool compare_with_run(MainWindow& window, std::int64_t run);
// Waits (at most 10 s) until the rows the event log asked the worker for have come.
void settle(MainWindow& window);

}  // namespace drive
}  // namespace allocsim::gui
