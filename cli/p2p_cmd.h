/*
 * p2p_cmd: `appsim p2p`, BitTorrent on real sockets (p2p_cmd.c): a
 * tracker (`p2p tracker`), a seed that makes the .torrent of a file
 * (`p2p seed`) and a downloader (`p2p get`), the cores of protocols/bt
 * through their glue (bt_conn.h) on the real host. docs/p2p.md, "On real
 * sockets".
 */
#ifndef APPSIM_P2P_CMD_H
#define APPSIM_P2P_CMD_H

/* Exit statuses of the p2p commands. */
enum {
    P2P_EXIT_OK = 0,     /* tracker, seed: stopped; get: the file is complete, every piece checked */
    P2P_EXIT_FAILED = 1, /* cannot listen, a local file not read or written, get: not complete in time */
    P2P_EXIT_USAGE = 2,  /* bad options, tracker URL or .torrent */
};

/* argv[0] is "p2p". Returns the exit status. */
int cmd_p2p(int argc, char **argv);

#endif
