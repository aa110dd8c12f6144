/*
 * link_alone: proof that a protocol library runs without the simulator.
 *
 * The build links the whole of one protocol library (appsim_<p>, every
 * object of it, --whole-archive) into this program with nothing but the
 * seams and GLib: no sim/, no models/, no world/. Were any protocol object
 * to call into the simulator, this program would not link, and the build
 * would fail. Running it only says which library it checked.
 */
#include <stdio.h>

int main(void)
{
    printf("appsim_%s links without sim/ and models/\n", APPSIM_PROTOCOL);
    return 0;
}
