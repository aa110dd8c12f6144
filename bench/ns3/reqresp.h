/*
 * reqresp.h: the request-response workload of appsim's models/reqresp.c,
 * written for ns-3 sockets, shared by dumbbell.cc and transfer.cc.
 *
 * A client opens one TCP connection, writes a request of `reqBytes`, and
 * counts the bytes that come back; when `respBytes` have arrived the
 * response is complete, and the next request goes out at once, until
 * `requests` responses are in; then the client closes. The server answers
 * every complete request of `reqBytes` with `respBytes` of payload (ns-3's
 * zero-filled virtual bytes: only lengths travel, as appsim's length-only
 * payloads), writing as much as its send buffer takes and the rest when
 * ns-3 says there is room again; it closes once it has written its last
 * response. Neither side uses ns-3's Application classes: the sockets are
 * made and driven here, from events scheduled at time 0.
 *
 * Ownership: an RrServer or RrClient lives as long as the simulation (the
 * caller keeps it, for example in a std::vector of std::unique_ptr); the
 * sockets hold callbacks into it.
 */
#ifndef APPSIM_NS3_REQRESP_H
#define APPSIM_NS3_REQRESP_H

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <cstdint>
#include <map>

namespace rr
{

using namespace ns3;

struct Spec
{
    uint32_t reqBytes = 100;
    uint32_t respBytes = 100000;
    uint32_t requests = 50;
};

/* One accepted connection of a server. */
struct Session
{
    uint64_t reqGot = 0;   // request bytes received
    uint64_t written = 0;  // response bytes written to the socket
    uint64_t pending = 0;  // response bytes still to write to the socket
    bool closed = false;
};

class RrServer
{
  public:
    RrServer(Ptr<Node> node, uint16_t port, const Spec& spec)
        : m_spec(spec)
    {
        m_listen = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        m_listen->Bind(InetSocketAddress(Ipv4Address::GetAny(), port));
        m_listen->Listen();
        m_listen->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&RrServer::Accepted, this));
    }

  private:
    void Accepted(Ptr<Socket> s, const Address&)
    {
        m_sessions[s] = Session();
        s->SetRecvCallback(MakeCallback(&RrServer::Readable, this));
        s->SetSendCallback(MakeCallback(&RrServer::Writable, this));
        s->SetCloseCallbacks(MakeCallback(&RrServer::PeerClosed, this),
                             MakeCallback(&RrServer::PeerClosed, this));
    }

    void Readable(Ptr<Socket> s)
    {
        Session& ss = m_sessions[s];
        Ptr<Packet> p;
        while ((p = s->Recv()) && p->GetSize() > 0)
        {
            uint64_t before = ss.reqGot / m_spec.reqBytes;
            ss.reqGot += p->GetSize();
            uint64_t now = ss.reqGot / m_spec.reqBytes;
            ss.pending += (now - before) * m_spec.respBytes;
        }
        Push(s, ss);
    }

    void Writable(Ptr<Socket> s, uint32_t)
    {
        auto it = m_sessions.find(s);
        if (it != m_sessions.end())
        {
            Push(s, it->second);
        }
    }

    /* Writes what the send buffer takes; closes after the last response. */
    void Push(Ptr<Socket> s, Session& ss)
    {
        while (ss.pending > 0 && !ss.closed)
        {
            uint32_t room = s->GetTxAvailable();
            if (room == 0)
            {
                return;
            }
            uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(room, ss.pending));
            int sent = s->Send(Create<Packet>(n));
            if (sent <= 0)
            {
                return;
            }
            ss.pending -= static_cast<uint32_t>(sent);
            ss.written += static_cast<uint32_t>(sent);
        }
        if (ss.pending == 0 && ss.written >= uint64_t(m_spec.requests) * m_spec.respBytes &&
            !ss.closed)
        {
            ss.closed = true;
            s->Close();
        }
    }

    void PeerClosed(Ptr<Socket> s)
    {
        Session& ss = m_sessions[s];
        if (!ss.closed)
        {
            ss.closed = true;
            s->Close();
        }
    }

    Spec m_spec;
    Ptr<Socket> m_listen;
    std::map<Ptr<Socket>, Session> m_sessions;
};

class RrClient
{
  public:
    RrClient(Ptr<Node> node, Address server, const Spec& spec)
        : m_spec(spec)
    {
        m_sock = Socket::CreateSocket(node, TcpSocketFactory::GetTypeId());
        m_sock->Bind();
        m_sock->SetConnectCallback(MakeCallback(&RrClient::Connected, this),
                                   MakeCallback(&RrClient::Failed, this));
        m_sock->SetRecvCallback(MakeCallback(&RrClient::Readable, this));
        m_tConnect = Simulator::Now();
        m_sock->Connect(server);
    }

    uint32_t Done() const { return m_done; }
    Time Connect() const { return m_tConnect; }
    Time Last() const { return m_tLast; }
    uint64_t Total() const { return m_total; }

  private:
    void Connected(Ptr<Socket> s) { SendRequest(s); }

    void Failed(Ptr<Socket>) { m_failed = true; }

    void SendRequest(Ptr<Socket> s) { s->Send(Create<Packet>(m_spec.reqBytes)); }

    void Readable(Ptr<Socket> s)
    {
        Ptr<Packet> p;
        while ((p = s->Recv()) && p->GetSize() > 0)
        {
            m_got += p->GetSize();
            m_total += p->GetSize();
            m_tLast = Simulator::Now();
            while (m_got >= m_spec.respBytes)
            {
                m_got -= m_spec.respBytes;
                m_done++;
                if (m_done < m_spec.requests)
                {
                    SendRequest(s);
                }
                else
                {
                    s->Close();
                }
            }
        }
    }

    Spec m_spec;
    Ptr<Socket> m_sock;
    Time m_tConnect, m_tLast;
    uint64_t m_got = 0, m_total = 0;
    uint32_t m_done = 0;
    bool m_failed = false;
};

} // namespace rr

#endif
