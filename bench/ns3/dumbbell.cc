/*
 * dumbbell.cc: the TCP dumbbell of bench/bench_tcp.c, run on ns-3 3.37.
 *
 * Topology: `pairs` client hosts and `pairs` server hosts, each on its own
 * 1 Gbps / 1 ms PointToPoint link to one of two routers; the routers are
 * joined by a 100 Mbps / 10 ms PointToPoint bottleneck. Client i opens one
 * persistent connection to server i at time 0 and fetches `objects`
 * responses of 100,000 bytes, each after a 100-byte request, the next
 * request as soon as the previous response is complete (reqresp.h, our own
 * sockets, no ns-3 Application). Routes: Ipv4GlobalRoutingHelper.
 *
 * Settings (defaults: ns-3 3.37's own, checked by reading the attributes'
 * initial values of the installed library; the ones set here say so):
 *
 *   setting                    default run               --appsimSettings
 *   -------------------------- ------------------------- -------------------------
 *   TCP variant                TcpCubic (ns-3 default;   TcpLinuxReno
 *                              HyStart on, fast
 *                              convergence, beta 0.7)
 *   loss recovery              TcpPrrRecovery (default)  TcpClassicRecovery
 *   SACK                       on (default)              off
 *   timestamps (RFC 7323)      on (default)              off
 *   window scaling             on (default)              on (128 KB buffers need it)
 *   delayed ACKs               every 2 segments, 200 ms  every segment (DelAckCount 1)
 *   minimum RTO                1 s (default)             200 ms
 *   RTO clock granularity      1 ms (default)            1 ms
 *   initial window             10 segments (default)     10
 *   MSS (SegmentSize)          1448 (set; default 536)   1448
 *   send / receive buffers     131072 bytes (default)    131072
 *   Nagle                      off (TcpNoDelay default)  off
 *   limited transmit           on (default)              on
 *   bottleneck queue           DropTail 100 packets,     DropTail 100 packets
 *                              each direction
 *   access-link queues         DropTail 100 packets on   DropTail 1,000,000
 *                              every device (default)    packets (no drops)
 *   queue discs (traffic       none: the FqCoDel root    none
 *   control)                   disc that Ipv4Address-
 *                              Helper::Assign installs
 *                              is removed (see below)
 *   header bytes per data      PPP 2 + IP 20 + TCP 20    PPP 2 + IP 20 + TCP 20
 *   segment                    + timestamp option 10     = 42, 1490 bytes per
 *                              + 2 padding = 54, so      1448-byte segment
 *                              1502 bytes on the wire
 *                              per 1448-byte segment
 *   header bytes per pure ACK  54; 66 with one SACK      42
 *                              block, 8 more a block
 *   SYN and SYN-ACK bytes      58 (window scale, SACK-   46 (window scale)
 *                              permitted, timestamps)
 *
 * appsim's plain `dumbbell` (bench/bench_tcp.c) runs Reno without delayed
 * ACKs, SACK or timestamps, a 200 ms minimum RTO, unlimited access-link
 * queues and 40-byte headers; --appsimSettings comes as close as ns-3
 * allows (the 2 PPP bytes stay; ns-3's TcpLinuxReno counts slow start in
 * bytes acked, as appsim's Reno with its ABC limit of 2 does with one ACK a
 * segment).
 *
 * Queue discs: ns-3 3.37 attaches a traffic-control layer to every node
 * with the Internet stack, and Ipv4AddressHelper::Assign installs
 * TrafficControlHelper::Default() (an FqCoDel queue disc of 10,240 packets
 * with CoDel's 5 ms target) on each device that has none. The bottleneck's
 * queue would then be FqCoDel, not a 100-packet drop tail. This program
 * removes the queue discs after assigning the addresses, so each device's
 * own DropTail queue is the only queue, as in appsim; --defaultQdisc keeps
 * them (drops are then counted at the queue discs).
 *
 * Where the drops are: a PointToPoint device with ns-3's flow control
 * stops its transmit queue when its DropTail queue cannot take one more
 * packet, and with no queue disc the traffic-control layer then drops the
 * packet itself (its "TcDrop" trace source) instead of handing it to the
 * device. So the 100-packet limit holds as a drop tail would, but the drops
 * show in the routers' traffic-control layers, not in the device queue's
 * counters (which this program adds too, and which stay 0). The routers'
 * counts are the bottleneck's: their other devices forward from the
 * 100 Mbps link onto 1 Gbps links, or carry ACKs, and never fill.
 *
 * Options: --pairs=N (100) --objects=N (50) --bottleneckQueue=packets
 * (100) --accessQueue=packets (100; 1,000,000 with --appsimSettings)
 * --appsimSettings --defaultQdisc. `--pairs=1000 --objects=5
 * --bottleneckQueue=1000` is dumbbell_1000's work.
 *
 * Figures, as appsim-bench prints them (`name: value unit`): wall_ms (from
 * the first object created to the end of the run, set-up included, as
 * appsim-bench measures), sim_ms (the time the last byte of the last
 * response arrived), events (Simulator::GetEventCount(): events executed),
 * bottleneck_packets (packets that began transmission on the bottleneck,
 * both directions), bottleneck_drops (both directions, see below),
 * access_drops (packets the hosts dropped at their own access devices),
 * complete_pairs,
 * events_per_s, peak_rss (getrusage ru_maxrss of the whole process, KiB).
 * The prefix is `dumbbell` for 100 pairs and `dumbbell_<pairs>` otherwise;
 * run.sh adds `ns3_`.
 */
#include "reqresp.h"

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace ns3;

namespace
{

uint64_t g_bottleneckTx = 0;
uint64_t g_routerDrops = 0; // dropped by the routers' traffic-control layers
uint64_t g_hostDrops = 0;   // dropped by the hosts' traffic-control layers

void
CountTx(Ptr<const Packet>)
{
    g_bottleneckTx++;
}

void
CountDrop(uint64_t* counter, Ptr<const Packet>)
{
    (*counter)++;
}

/* Counts the packets a node's traffic-control layer drops. */
void
WatchDrops(Ptr<Node> node, uint64_t* counter)
{
    bool ok = node->GetObject<TrafficControlLayer>()->TraceConnectWithoutContext(
        "TcDrop",
        MakeBoundCallback(&CountDrop, counter));
    NS_ABORT_MSG_UNLESS(ok, "no TcDrop trace source");
}

void
Figure(const std::string& prefix, const char* name, uint64_t value, const char* unit)
{
    std::printf("%s_%s: %llu %s\n", prefix.c_str(), name, (unsigned long long)value, unit);
    std::fflush(stdout);
}

uint64_t
PeakRssKib()
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<uint64_t>(ru.ru_maxrss);
}

} // namespace

int
main(int argc, char* argv[])
{
    auto start = std::chrono::steady_clock::now();
    uint32_t pairs = 100;
    uint32_t objects = 50;
    uint32_t bottleneckQueue = 100;
    uint32_t accessQueue = 0;
    bool appsimSettings = false;
    bool defaultQdisc = false;
    std::string prefix;
    CommandLine cmd;
    cmd.AddValue("pairs", "client-server pairs", pairs);
    cmd.AddValue("objects", "objects of 100,000 bytes per client", objects);
    cmd.AddValue("bottleneckQueue", "bottleneck DropTail queue, packets", bottleneckQueue);
    cmd.AddValue("accessQueue", "access-link DropTail queues, packets (0: default)", accessQueue);
    cmd.AddValue("appsimSettings", "settings as close as ns-3 allows to appsim's dumbbell",
                 appsimSettings);
    cmd.AddValue("defaultQdisc", "keep the FqCoDel queue discs ns-3 installs", defaultQdisc);
    cmd.AddValue("prefix", "figure prefix (default dumbbell or dumbbell_<pairs>)", prefix);
    cmd.Parse(argc, argv);
    if (accessQueue == 0)
    {
        accessQueue = appsimSettings ? 1000000 : 100;
    }
    if (prefix.empty())
    {
        prefix = pairs == 100 ? "dumbbell" : "dumbbell_" + std::to_string(pairs);
    }

    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));
    if (appsimSettings)
    {
        Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                           TypeIdValue(TypeId::LookupByName("ns3::TcpLinuxReno")));
        Config::SetDefault("ns3::TcpL4Protocol::RecoveryType",
                           TypeIdValue(TypeId::LookupByName("ns3::TcpClassicRecovery")));
        Config::SetDefault("ns3::TcpSocketBase::Sack", BooleanValue(false));
        Config::SetDefault("ns3::TcpSocketBase::Timestamp", BooleanValue(false));
        Config::SetDefault("ns3::TcpSocket::DelAckCount", UintegerValue(1));
        Config::SetDefault("ns3::TcpSocketBase::MinRto", TimeValue(MilliSeconds(200)));
    }

    NodeContainer routers, clients, servers;
    routers.Create(2);
    clients.Create(pairs);
    servers.Create(pairs);
    InternetStackHelper stack;
    stack.Install(routers);
    stack.Install(clients);
    stack.Install(servers);

    PointToPointHelper core;
    core.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    core.SetChannelAttribute("Delay", StringValue("10ms"));
    core.SetQueue("ns3::DropTailQueue<Packet>",
                  "MaxSize",
                  QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, bottleneckQueue)));
    PointToPointHelper access;
    access.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    access.SetChannelAttribute("Delay", StringValue("1ms"));
    access.SetQueue("ns3::DropTailQueue<Packet>",
                    "MaxSize",
                    QueueSizeValue(QueueSize(QueueSizeUnit::PACKETS, accessQueue)));

    NetDeviceContainer all;
    Ipv4AddressHelper addr("10.0.0.0", "255.255.255.252");
    NetDeviceContainer bottleneck = core.Install(routers.Get(0), routers.Get(1));
    addr.Assign(bottleneck);
    addr.NewNetwork();
    all.Add(bottleneck);
    std::vector<Ipv4Address> serverAddr(pairs);
    for (uint32_t i = 0; i < pairs; i++)
    {
        NetDeviceContainer c = access.Install(clients.Get(i), routers.Get(0));
        addr.Assign(c);
        addr.NewNetwork();
        NetDeviceContainer s = access.Install(servers.Get(i), routers.Get(1));
        Ipv4InterfaceContainer si = addr.Assign(s);
        addr.NewNetwork();
        serverAddr[i] = si.GetAddress(0);
        all.Add(c);
        all.Add(s);
    }
    if (!defaultQdisc)
    {
        TrafficControlHelper tch;
        tch.Uninstall(all);
    }
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    for (uint32_t d = 0; d < 2; d++)
    {
        bool ok = bottleneck.Get(d)->TraceConnectWithoutContext("PhyTxBegin",
                                                                MakeCallback(&CountTx));
        NS_ABORT_MSG_UNLESS(ok, "no PhyTxBegin trace source");
        WatchDrops(routers.Get(d), &g_routerDrops);
    }
    for (uint32_t i = 0; i < pairs; i++)
    {
        WatchDrops(clients.Get(i), &g_hostDrops);
        WatchDrops(servers.Get(i), &g_hostDrops);
    }

    rr::Spec spec;
    spec.requests = objects;
    std::vector<std::unique_ptr<rr::RrServer>> srv;
    std::vector<std::unique_ptr<rr::RrClient>> cl;
    srv.reserve(pairs);
    cl.reserve(pairs);
    for (uint32_t i = 0; i < pairs; i++)
    {
        srv.emplace_back(new rr::RrServer(servers.Get(i), 80, spec));
    }
    for (uint32_t i = 0; i < pairs; i++)
    {
        Ptr<Node> n = clients.Get(i);
        Address a = InetSocketAddress(serverAddr[i], 80);
        cl.emplace_back(nullptr);
        std::unique_ptr<rr::RrClient>* p = &cl.back(); // stable: reserved above
        Simulator::ScheduleWithContext(n->GetId(), Seconds(0), [p, n, a, spec]() {
            p->reset(new rr::RrClient(n, a, spec));
        });
    }
    Simulator::Run();
    auto end = std::chrono::steady_clock::now();
    int64_t wallUs = std::chrono::duration_cast<std::chrono::microseconds>(end - start).count();

    uint64_t drops = g_routerDrops;
    for (uint32_t d = 0; d < 2; d++)
    {
        Ptr<PointToPointNetDevice> dev = DynamicCast<PointToPointNetDevice>(bottleneck.Get(d));
        drops += dev->GetQueue()->GetTotalDroppedPackets();
        Ptr<TrafficControlLayer> tc = dev->GetNode()->GetObject<TrafficControlLayer>();
        Ptr<QueueDisc> qd = tc ? tc->GetRootQueueDiscOnDevice(dev) : nullptr;
        if (qd)
        {
            drops += qd->GetStats().nTotalDroppedPackets;
        }
    }
    Time last;
    uint32_t complete = 0;
    for (const auto& c : cl)
    {
        if (c && c->Last() > last)
        {
            last = c->Last();
        }
        complete += c && c->Done() == objects;
    }
    uint64_t events = Simulator::GetEventCount();
    Figure(prefix, "complete_pairs", complete, "pairs");
    Figure(prefix, "wall_ms", static_cast<uint64_t>(wallUs / 1000), "ms");
    Figure(prefix, "sim_ms", static_cast<uint64_t>(last.GetMilliSeconds()), "ms");
    Figure(prefix, "events", events, "events");
    Figure(prefix, "bottleneck_packets", g_bottleneckTx, "packets");
    Figure(prefix, "bottleneck_drops", drops, "packets");
    Figure(prefix, "access_drops", g_hostDrops, "packets");
    Figure(prefix,
           "events_per_s",
           wallUs > 0 ? static_cast<uint64_t>(events * 1e6 / wallUs + 0.5) : 0,
           "events/s");
    Figure(prefix, "peak_rss", PeakRssKib(), "KiB");
    Simulator::Destroy();
    return 0;
}
