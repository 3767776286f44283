# bash completion for notme(1)                                        -*- shell-script -*-
_notme() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  }
  local commands="status agent token revoke audit run git secret route mcp doctor"
  if [ "$cword" -eq 1 ]; then
    COMPREPLY=($(compgen -W "$commands --version --help" -- "$cur"))
    return
  fi
  case "${words[1]}" in
    agent) [ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "add list rm" -- "$cur")) ;;
    git) [ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "setup allowed-signers" -- "$cur")) ;;
    secret) [ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "set list rm" -- "$cur")) ;;
    route) [ "$cword" -eq 2 ] && COMPREPLY=($(compgen -W "add list rm" -- "$cur")) ;;
    token) COMPREPLY=($(compgen -W "--agent --scope --json" -- "$cur")) ;;
    revoke) COMPREPLY=($(compgen -W "--agent --jti --all" -- "$cur")) ;;
    audit) COMPREPLY=($(compgen -W "--follow --json" -- "$cur")) ;;
    run) [ "$prev" != "--" ] && COMPREPLY=($(compgen -W "--agent --" -- "$cur")) ;;
    status|doctor) COMPREPLY=($(compgen -W "--json" -- "$cur")) ;;
  esac
}
complete -F _notme notme
