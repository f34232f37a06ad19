# bash completion for `git quorum ...`, installed as
# share/bash-completion/completions/git-quorum beside quorum's own
# completion (share/bash-completion/completions/quorum, which
# `quorum --generate-completion-script bash` writes).
#
# git's completion (contrib/completion/git-completion.bash) completes the
# words after `git quorum` by calling `_git_quorum` when it exists; when it
# does not, and bash-completion is loaded, it first asks bash-completion's
# `_completion_loader git-quorum` to source this file. Without
# bash-completion, source this file yourself after git's completion.
#
# `_git_quorum` hands the words from `quorum` on to quorum's completion
# function `_quorum`, as bash would for `quorum ...` typed on its own, so
# both complete the same subcommands, options, slugs, ids and documents,
# read from the repository the shell is in (git's options before `quorum`,
# such as -C DIR, are not passed on).

if ! declare -F _quorum >/dev/null; then
    if [[ -r "${BASH_SOURCE[0]%/*}/quorum" ]]; then
        # The completion installed beside this file.
        . "${BASH_SOURCE[0]%/*}/quorum"
    elif declare -F _completion_loader >/dev/null; then
        _completion_loader quorum
    fi
fi

_git_quorum() {
    declare -F _quorum >/dev/null || return 0

    # git's words join what bash splits at '=' and ':'; quorum's completion
    # reads bash's own split (COMP_WORDS), so find the word `quorum` there:
    # each of git's words before it is one or more of bash's.
    local -i raw=0 word=0
    local joined
    while ((word < ${__git_cmd_idx:-1})); do
        joined="${COMP_WORDS[raw]}"
        ((raw++))
        while [[ "${joined}" != "${words[word]}" ]] && ((raw < ${#COMP_WORDS[@]})); do
            joined+="${COMP_WORDS[raw]}"
            ((raw++))
        done
        ((word++))
    done

    # The command line from `quorum` on (its word, maybe an alias of
    # git's, written as `quorum`), and the cursor in it.
    local line="${COMP_LINE}" skipped
    local -i index
    for ((index = 0; index <= raw; index++)); do
        skipped="${line%%[![:space:]]*}"
        line="${line#"${skipped}"}"
        line="${line#"${COMP_WORDS[index]}"}"
    done
    local -i point=$((COMP_POINT - ${#COMP_LINE} + ${#line} + 6))
    ((point < 6)) && point=6

    local -a COMP_WORDS=("quorum" "${COMP_WORDS[@]:raw+1}")
    local -i COMP_CWORD=$((COMP_CWORD - raw))
    local -i COMP_POINT=${point}
    local COMP_LINE="quorum${line}"
    local previous="quorum"
    ((COMP_CWORD > 0)) && previous="${COMP_WORDS[COMP_CWORD - 1]}"

    COMPREPLY=()
    _quorum quorum "${COMP_WORDS[COMP_CWORD]}" "${previous}"
    # git registers its completion with -o nospace -o default; quorum's is
    # registered with -o filenames: complete as that does (a space after a
    # word, a slash after a directory, no file names when nothing matches).
    compopt -o filenames +o nospace +o default +o bashdefault 2>/dev/null
    return 0
}

# `git-quorum ...` typed as one word completes as `quorum ...` does.
declare -F _quorum >/dev/null && complete -o filenames -F _quorum git-quorum
