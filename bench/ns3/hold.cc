/*
 * hold.cc: the hold model of bench/bench_engine.c, run on ns-3's engine.
 *
 * P events are pending at all times: the run starts with P events due at
 * exponential delays (mean 1 ms) from time 0, and every event, when it runs,
 * schedules exactly one new event at now + Exp(mean 1 ms), rounded to the
 * nanosecond (ns-3's default time resolution). The figure is executed
 * events per wall second over a fixed number of events after an untimed
 * warm-up, with the same counts as appsim-bench:
 *
 *   P           warm-up      timed
 *   1,000       1,000,000    20,000,000
 *   100,000     2,000,000    10,000,000
 *   1,000,000   4,000,000    10,000,000
 *
 * The event that brings the count to zero calls Simulator::Stop(), which
 * in ns-3 3.37 only sets a flag that the run loop tests before the next
 * event, so exactly the wanted number of events runs (checked against
 * Simulator::GetEventCount()).
 *
 * Each size runs with ns-3's default scheduler (MapScheduler, a std::map)
 * and with HeapScheduler and CalendarScheduler, chosen through
 * Simulator::SetScheduler before the first event; each (size, scheduler)
 * is its own simulation, destroyed before the next.
 *
 * Usage: ns3-hold [--pending=N] [--scheduler=map|heap|calendar|all]
 *                 [--events=N]
 * Without --pending it runs the three sizes; another --pending warms up
 * with twice its count of events (at least 1,000,000) and times 10,000,000. --events replaces the timed
 * count, as APPSIM_BENCH_HOLD_EVENTS does for appsim-bench (which it also
 * reads). Output, one figure a line:
 *
 *   hold_1000_map_events_per_s: 5600000 events/s
 */
#include "ns3/command-line.h"
#include "ns3/core-module.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

Ptr<ExponentialRandomVariable> g_delay; // mean 1 ms, in ms
uint64_t g_left = 0;                    // events still to run before the stop

Time
HoldDelay()
{
    double ms = g_delay->GetValue();
    return NanoSeconds(static_cast<int64_t>(ms * 1e6 + 0.5));
}

void
HoldEvent()
{
    Simulator::Schedule(HoldDelay(), &HoldEvent);
    if (--g_left == 0)
    {
        Simulator::Stop();
    }
}

// Runs exactly `events` events; returns their wall time in microseconds.
int64_t
HoldRun(uint64_t events)
{
    uint64_t before = Simulator::GetEventCount();
    g_left = events;
    auto start = std::chrono::steady_clock::now();
    Simulator::Run();
    auto end = std::chrono::steady_clock::now();
    if (Simulator::GetEventCount() - before != events)
    {
        std::fprintf(stderr, "hold: ran %llu events, wanted %llu\n",
                     (unsigned long long)(Simulator::GetEventCount() - before),
                     (unsigned long long)events);
        std::exit(1);
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(end - start).count();
}

void
HoldBench(uint32_t pending, uint64_t warmup, uint64_t events, const std::string& sched)
{
    ObjectFactory factory;
    std::string type = sched == "heap"       ? "ns3::HeapScheduler"
                       : sched == "calendar" ? "ns3::CalendarScheduler"
                                             : "ns3::MapScheduler";
    factory.SetTypeId(type);
    Simulator::SetScheduler(factory);

    g_delay = CreateObject<ExponentialRandomVariable>();
    g_delay->SetAttribute("Mean", DoubleValue(1.0));
    g_delay->SetStream(1);
    for (uint32_t i = 0; i < pending; i++)
    {
        Simulator::Schedule(HoldDelay(), &HoldEvent);
    }
    HoldRun(warmup);
    int64_t wall = HoldRun(events);
    std::printf("hold_%u_%s_events_per_s: %llu events/s\n",
                pending,
                sched.c_str(),
                (unsigned long long)(wall > 0 ? (events * 1000000.0) / wall + 0.5 : 0));
    std::fflush(stdout);
    Simulator::Destroy();
    g_delay = nullptr;
}

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t pending = 0;
    uint64_t events = 0;
    std::string scheduler = "all";
    CommandLine cmd;
    cmd.AddValue("pending", "pending events (0: 1000, 100000 and 1000000)", pending);
    cmd.AddValue("scheduler", "map, heap, calendar or all", scheduler);
    cmd.AddValue("events", "timed events (0: the defaults of appsim-bench)", events);
    cmd.Parse(argc, argv);
    if (events == 0)
    {
        const char* env = std::getenv("APPSIM_BENCH_HOLD_EVENTS");
        if (env && *env)
        {
            events = std::strtoull(env, nullptr, 10);
        }
    }

    struct Size
    {
        uint32_t pending;
        uint64_t warmup, events;
    };

    const Size sizes[] = {{1000, 1000000, 20000000},
                          {100000, 2000000, 10000000},
                          {1000000, 4000000, 10000000}};
    std::vector<std::string> scheds;
    if (scheduler == "all")
    {
        scheds = {"map", "heap", "calendar"};
    }
    else if (scheduler == "map" || scheduler == "heap" || scheduler == "calendar")
    {
        scheds = {scheduler};
    }
    else
    {
        std::fprintf(stderr, "hold: unknown scheduler '%s'\n", scheduler.c_str());
        return 2;
    }
    std::vector<Size> runs;
    for (const Size& s : sizes)
    {
        if (pending == 0 || pending == s.pending)
        {
            runs.push_back(s);
        }
    }
    if (runs.empty())
    {
        // Another size: a warm-up of twice the pending count, at least
        // 1,000,000 events, then 10,000,000 timed.
        runs.push_back({pending, std::max<uint64_t>(1000000, 2ull * pending), 10000000});
    }
    for (const Size& s : runs)
    {
        for (const std::string& sc : scheds)
        {
            HoldBench(s.pending, s.warmup, events ? events : s.events, sc);
        }
    }
    return 0;
}
