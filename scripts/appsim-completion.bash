# bash completion for appsim: commands, their subcommands and options (read
# from `appsim ... --help`, so they never drift from the program), the
# names of the shipped scenarios (appsim list --names) for run, check and
# new --from, and the paths of --set for the scenario on the line
# (appsim check --paths FILE).
# Installed as share/bash-completion/completions/appsim; to try it from a
# build tree: source scripts/appsim-completion.bash

_appsim_words()
{
    # The options that `appsim ARGS... --help` lists.
    "${_appsim_prog:-appsim}" "$@" --help 2>&1 | grep -o -- '--[a-z0-9][a-z0-9.-]*' | sort -u
}

_appsim()
{
    local cur prev prog="${COMP_WORDS[0]}"
    local _appsim_prog="$prog"
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev=""
    [ "$COMP_CWORD" -gt 0 ] && prev="${COMP_WORDS[COMP_CWORD - 1]}"
    COMPREPLY=()

    if [ "$COMP_CWORD" -eq 1 ]; then
        local cmds
        cmds=$("$prog" --help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9]*\)  .*/\1/p')
        COMPREPLY=($(compgen -W "$cmds --help --version" -- "$cur"))
        return 0
    fi

    local cmd="${COMP_WORDS[1]}" sub=""
    case "$cmd" in
        http | dns | smtp | mail | pop3 | imap | ftp | p2p)
            if [ "$COMP_CWORD" -eq 2 ]; then
                local subs
                subs=$("$prog" "$cmd" --help 2>&1 | grep -o "appsim $cmd [a-z][a-z0-9]*" | awk '{print $3}' | sort -u)
                COMPREPLY=($(compgen -W "$subs" -- "$cur"))
                return 0
            fi
            sub="${COMP_WORDS[2]}"
            ;;
    esac

    # --set PATH=VALUE: the paths of the scenario named on the line.
    if [ "$prev" = "--set" ] || [[ "$cur" == --set=* ]]; then
        local file="" i w pre=""
        for ((i = 2; i < COMP_CWORD; i++)); do
            w="${COMP_WORDS[i]}"
            case "$w" in
                -*) ;;
                *) if [ "${COMP_WORDS[i - 1]}" != "--set" ] && [ "${COMP_WORDS[i - 1]}" != "-o" ] &&
                    [ "${COMP_WORDS[i - 1]}" != "--output" ]; then
                    file="$w"
                    break
                fi ;;
            esac
        done
        [ -z "$file" ] && return 0
        local word="$cur"
        if [[ "$cur" == --set=* ]]; then
            pre="--set="
            word="${cur#--set=}"
        fi
        local paths
        paths=$("$prog" check --paths "$file" 2>/dev/null | sed 's/$/=/')
        COMPREPLY=($(compgen -P "$pre" -W "$paths" -- "$word"))
        compopt -o nospace 2>/dev/null
        return 0
    fi

    # run --formats: the image formats of the figures.
    if [ "$cmd" = "run" ] && [ "$prev" = "--formats" ]; then
        COMPREPLY=($(compgen -W "svg png png,svg" -- "$cur"))
        return 0
    fi

    # The shipped scenarios' names for new --from.
    if [ "$cmd" = "new" ] && { [ "$prev" = "--from" ] || [ "$prev" = "-f" ]; }; then
        COMPREPLY=($(compgen -W "$("$prog" list --names 2>/dev/null)" -- "$cur"))
        return 0
    fi

    if [[ "$cur" == -* ]]; then
        local opts
        if [ -n "$sub" ]; then
            opts=$(_appsim_words "$cmd" "$sub")
        else
            opts=$(_appsim_words "$cmd")
        fi
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        return 0
    fi

    # Folders for -o and plot; for run and check, files and the shipped names.
    case "$prev" in
        -o | --output | --root | -r | --maildir | -m)
            COMPREPLY=($(compgen -d -- "$cur"))
            return 0
            ;;
    esac
    case "$cmd" in
        run | check)
            COMPREPLY=($(compgen -W "$("$prog" list --names 2>/dev/null)" -- "$cur") $(compgen -f -- "$cur"))
            ;;
        plot | merge)
            COMPREPLY=($(compgen -d -- "$cur"))
            ;;
        *)
            COMPREPLY=($(compgen -f -- "$cur"))
            ;;
    esac
    return 0
}
complete -F _appsim appsim
