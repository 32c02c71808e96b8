# bash completion for flinkha.
# The words come from flinkha's own --help of the command typed so far, so completion always
# matches the installed binary (commands, subcommands and options).

_flinkha_help_words() {
  # $@: the command words typed so far (without options).
  "${COMP_WORDS[0]}" "$@" --help 2>/dev/null | awk '
    /^Subcommands:/ { section = "sub"; next }
    /^[A-Za-z].*:$/ { section = "opt"; next }
    section == "sub" && /^  [a-z]/ { print $1; next }
    /^  -/ {
      n = split($1, names, ",")
      for (i = 1; i <= n; i++) print names[i]
    }'
}

_flinkha() {
  local cur="${COMP_WORDS[COMP_CWORD]}"
  local prev="${COMP_WORDS[COMP_CWORD-1]}"
  case "$prev" in
    --conf-dir|--flink-home)
      COMPREPLY=($(compgen -d -- "$cur")); return ;;
    --ssh-identity|--known-hosts)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -o|--output)
      COMPREPLY=($(compgen -W "text json" -- "$cur")); return ;;
    --host-key-check)
      COMPREPLY=($(compgen -W "strict accept-new off" -- "$cur")); return ;;
  esac
  # The command path: the non-option words before the cursor (an option's value is skipped
  # when the option is one that takes a value).
  local -a path=()
  local i word
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    case "$word" in
      --conf-dir|--flink-home|--flink-version|-o|--output|--ssh-user|--ssh-port|--ssh-identity|\
      --known-hosts|--host-key-check|--fanout|--connect-timeout|--command-timeout) ((i++)) ;;
      -*) ;;
      *) path+=("$word") ;;
    esac
  done
  COMPREPLY=($(compgen -W "$(_flinkha_help_words "${path[@]}")" -- "$cur"))
}

complete -F _flinkha flinkha
