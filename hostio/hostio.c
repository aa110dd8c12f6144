/* hostio: placeholder until the implementation lands. */
typedef int hostio_placeholder;
