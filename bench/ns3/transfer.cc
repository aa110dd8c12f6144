/*
 * transfer.cc: one response of 1,000,000 bytes after a 100-byte request,
 * on ns-3 3.37, the case docs/tcp.md "Against ns-3" compares with appsim.
 *
 * Two nodes on one 10 Mbps PointToPoint link with 50 ms of delay each way
 * (100 ms round trip), both device queues DropTail of 100 packets and no
 * queue disc (the FqCoDel disc that Ipv4AddressHelper::Assign installs is
 * removed, as in dumbbell.cc). TCP: ns-3 3.37's defaults (TcpCubic with
 * HyStart, PRR recovery, SACK, timestamps, window scaling, delayed ACKs
 * every 2 segments or 200 ms, 1 s minimum RTO, 131,072-byte send and
 * receive buffers, initial window 10) with SegmentSize set to the MSS. The
 * client connects at time 0, sends the request when connected, and the
 * figure is the time from the connect call to the arrival of the last byte
 * of the response, for MSS 1448 and 536 (one simulation each).
 *
 * Options: --mss=N runs that MSS alone; --trace prints the size of the
 * first packets sent each way (the headers on the wire, PPP included).
 * Output: `transfer_mss1448_ms: 1260.123 ms` (milliseconds, three decimals:
 * the one figure here that is not an integer).
 */
#include "reqresp.h"

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/traffic-control-module.h"

#include <cstdio>
#include <memory>
#include <vector>

using namespace ns3;

namespace
{

uint32_t g_traced = 0;

void
TracePacket(std::string dir, Ptr<const Packet> p)
{
    if (g_traced++ < 24)
    {
        std::printf("# %8.3f ms %s %u bytes\n",
                    Simulator::Now().GetSeconds() * 1e3,
                    dir.c_str(),
                    p->GetSize());
    }
}

double
TransferMs(uint32_t mss, bool trace)
{
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(mss));
    Config::SetDefault("ns3::TcpSocket::InitialCwnd", UintegerValue(10));

    NodeContainer nodes;
    nodes.Create(2);
    InternetStackHelper stack;
    stack.Install(nodes);
    PointToPointHelper link;
    link.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
    link.SetChannelAttribute("Delay", StringValue("50ms"));
    NetDeviceContainer devs = link.Install(nodes);
    Ipv4AddressHelper addr("10.0.0.0", "255.255.255.252");
    Ipv4InterfaceContainer ifs = addr.Assign(devs);
    TrafficControlHelper tch;
    tch.Uninstall(devs);
    if (trace)
    {
        g_traced = 0;
        devs.Get(0)->TraceConnectWithoutContext("PhyTxBegin",
                                                MakeBoundCallback(&TracePacket, std::string("client->")));
        devs.Get(1)->TraceConnectWithoutContext("PhyTxBegin",
                                                MakeBoundCallback(&TracePacket, std::string("server->")));
    }

    rr::Spec spec;
    spec.reqBytes = 100;
    spec.respBytes = 1000000;
    spec.requests = 1;
    rr::RrServer server(nodes.Get(1), 80, spec);
    std::unique_ptr<rr::RrClient> client;
    Ptr<Node> n = nodes.Get(0);
    Address a = InetSocketAddress(ifs.GetAddress(1), 80);
    Simulator::ScheduleWithContext(n->GetId(), Seconds(0), [&client, n, a, spec]() {
        client.reset(new rr::RrClient(n, a, spec));
    });
    Simulator::Run();
    double ms = -1;
    if (client && client->Done() == 1)
    {
        ms = (client->Last() - client->Connect()).GetSeconds() * 1e3;
    }
    Simulator::Destroy();
    return ms;
}

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t mss = 0;
    bool trace = false;
    CommandLine cmd;
    cmd.AddValue("mss", "the MSS to run (0: 1448 and 536)", mss);
    cmd.AddValue("trace", "print the sizes of the first packets", trace);
    cmd.Parse(argc, argv);
    std::vector<uint32_t> list = {1448, 536};
    if (mss != 0)
    {
        list = {mss};
    }
    for (uint32_t m : list)
    {
        double ms = TransferMs(m, trace);
        if (ms < 0)
        {
            std::fprintf(stderr, "transfer: the response did not complete at MSS %u\n", m);
            return 1;
        }
        std::printf("transfer_mss%u_ms: %.3f ms\n", m, ms);
        std::fflush(stdout);
    }
    return 0;
}
