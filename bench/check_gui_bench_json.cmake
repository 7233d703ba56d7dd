# Runs `allocsim-gui-bench --frames 8 --json` offscreen and checks that every figure is
# there and positive: the frame, the zoom and pan, and the animation. Rates are never
# asserted (targets live in docs/BENCHMARKS.md).
#   cmake -DBENCH=<path to allocsim-gui-bench> -P check_gui_bench_json.cmake
set(ENV{QT_QPA_PLATFORM} offscreen)
include(${CMAKE_CURRENT_LIST_DIR}/bench_json_checks.cmake)
run_bench_json(json "${BENCH}" --frames 8 --json)
require_positive_figures("${json}" "blocks" "worker_ms_median" "paint_ms_median" "frames_per_second" "zoom_pan_redraw_ms_median"
             "zoom_pan_redraw_ms_max" "animating_paint_ms_median" "animating_frames_per_second")
