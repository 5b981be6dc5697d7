//! The reference page of the command line (`docs/reference.md`), generated from the command's
//! own definition ([`Cli::command`]): every command, every flag with its help, its environment
//! variable and its default, and every key of the config file. `tests/binary/settings.rs` keeps the shipped
//! page equal to it (`UPDATE_REFERENCE=1 cargo test --test binary reference_page` rewrites it).

use super::Cli;
use crate::config::{Settings, Size};
use clap::{Arg, ArgAction, CommandFactory};
use std::any::TypeId;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Where the page is shipped, relative to the repository.
pub const FILE: &str = "docs/reference.md";

/// The page, as Markdown.
pub fn markdown() -> String {
    let mut command = Cli::command();
    command.build();
    let name = command.get_name().to_owned();
    let mut page = format!(
        "# Command-line reference\n\n<!-- Generated from the command line's definition (src/cli/manual.rs); do not edit \
         by hand: `UPDATE_REFERENCE=1 cargo test --test binary reference_page` rewrites it. -->\n\n{}\n\nUsage: `{name} <COMMAND>`. Every \
         command takes `-h`/`--help`; `{name} --version` prints the version.\n\n| command | what it does |\n|---|---|\n",
        cell(&about(&command))
    );
    let commands: Vec<&clap::Command> = command.get_subcommands().filter(|c| c.get_name() != "help").collect();
    for sub in &commands {
        let _ = writeln!(page, "| [`{0}`](#{0}) | {1} |", sub.get_name(), cell(&about(sub)));
    }
    for sub in commands {
        page.push_str(&command_section(&name, sub));
        if sub.get_name() == "run" {
            page.push_str(&config_file_section(sub));
        }
    }
    page
}

/// A command's heading, its description, its usage and a table of its arguments.
fn command_section(name: &str, command: &clap::Command) -> String {
    let mut section = format!("\n## {}\n\n{}\n\n", command.get_name(), about(command));
    let args: Vec<&Arg> = command.get_arguments().filter(|a| !is_builtin(a)).collect();
    let options = if args.iter().any(|a| !a.is_positional()) { " [OPTIONS]" } else { "" };
    let positionals: String = args.iter().filter(|a| a.is_positional()).map(|a| format!(" {}", usage(a))).collect();
    let _ = writeln!(section, "Usage: `{name} {}{options}{positionals}`", command.get_name());
    if args.is_empty() {
        return section;
    }
    section.push_str("\n| argument | environment | default | what it sets |\n|---|---|---|---|\n");
    for arg in args {
        let env = arg.get_env().map(|e| format!("`{}`", e.to_string_lossy())).unwrap_or_default();
        let default = default_of(arg).map(|d| format!("`{d}`")).unwrap_or_default();
        let _ = writeln!(section, "| `{}` | {env} | {default} | {} |", cell(&usage(arg)), cell(&help(arg)));
    }
    section
}

/// The keys of the config file: `run`'s settings under their kebab-case names.
fn config_file_section(run: &clap::Command) -> String {
    let mut section = String::from(
        "\n### The config file (`run --config FILE`)\n\nA TOML file of any of `run`'s settings, under these keys; an \
         unknown key is an error. Flags and environment variables win over the file, the file over the defaults. \
         Paths are relative to the file's own directory.\n\n| key | value | flag |\n|---|---|---|\n",
    );
    for (key, id) in Settings::keys() {
        let arg = run.get_arguments().find(|a| a.get_id() == id.as_str()).expect("every setting is a flag of run");
        let flag = arg.get_long().map(|l| format!("`--{l}`")).unwrap_or_default();
        let _ = writeln!(section, "| `{key}` | {} | {flag} |", toml_value(arg));
    }
    section
}

/// `--flag <VALUE>`, `-q, --quiet` or `<FILE>`.
fn usage(arg: &Arg) -> String {
    let values: Vec<String> = arg.get_value_names().unwrap_or_default().iter().map(|v| format!("<{v}>")).collect();
    let takes_value = !matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count);
    let value = if takes_value && !values.is_empty() {
        values.join(" ")
    } else if takes_value {
        format!("<{}>", arg.get_id().as_str().to_uppercase())
    } else {
        String::new()
    };
    let dots = if arg.is_positional() && matches!(arg.get_action(), ArgAction::Append) { "..." } else { "" };
    if arg.is_positional() {
        return format!("{value}{dots}");
    }
    let short = arg.get_short().map(|s| format!("-{s}, ")).unwrap_or_default();
    let long = arg.get_long().map(|l| format!("--{l}")).unwrap_or_default();
    format!("{short}{long} {value}").trim_end().to_owned()
}

/// What the file's value for `arg`'s key is.
fn toml_value(arg: &Arg) -> String {
    let parser = arg.get_value_parser().type_id();
    let one = if parser == TypeId::of::<bool>() {
        "boolean"
    } else if parser == TypeId::of::<f64>() {
        "number"
    } else if [TypeId::of::<usize>(), TypeId::of::<u64>(), TypeId::of::<u32>()].iter().any(|t| parser == *t) {
        "integer"
    } else if parser == TypeId::of::<Size>() {
        "string (`64MiB`) or integer (bytes)"
    } else if parser == TypeId::of::<PathBuf>() {
        "string (a path)"
    } else {
        "string"
    };
    let one = match arg.get_value_names() {
        Some([name]) if one == "string" => format!("string (`{}`)", cell(name)),
        _ => one.to_owned(),
    };
    match arg.get_action() {
        ArgAction::Append => format!("array of {one}").replacen("string", "strings", 1).replace("(a path)", "(paths)"),
        _ => one,
    }
}

/// The default the command applies for `arg`: clap's own, or the run setting's (applied after
/// the config file is read, so clap does not know it).
fn default_of(arg: &Arg) -> Option<String> {
    if arg.is_hide_default_value_set() || matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse) {
        return None;
    }
    let clap_default: Vec<String> = arg.get_default_values().iter().map(|v| v.to_string_lossy().into_owned()).collect();
    if !clap_default.is_empty() {
        return Some(clap_default.join(" "));
    }
    crate::config::settings::defaults().into_iter().find(|(id, _)| arg.get_id() == *id).map(|(_, value)| value)
}

/// `arg`'s help, without the default its help line ends with (the default has a column), and
/// with the values it takes when they are a list.
fn help(arg: &Arg) -> String {
    let help = arg.get_long_help().or(arg.get_help()).map(ToString::to_string).unwrap_or_default();
    let help = match default_of(arg) {
        Some(default) => help.strip_suffix(&format!(" [default: {default}]")).unwrap_or(&help).to_owned(),
        None => help,
    };
    let values: Vec<String> = arg.get_possible_values().iter().map(|v| format!("`{}`", v.get_name())).collect();
    let takes_value = !matches!(arg.get_action(), ArgAction::SetTrue | ArgAction::SetFalse);
    if values.is_empty() || !takes_value { help } else { format!("{help}: one of {}", values.join(", ")) }
}

fn about(command: &clap::Command) -> String {
    command.get_long_about().or(command.get_about()).map(ToString::to_string).unwrap_or_default()
}

/// `-h`/`--help` and `-V`/`--version`, which every command has.
fn is_builtin(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Help | ArgAction::HelpShort | ArgAction::HelpLong | ArgAction::Version)
}

/// Text in a table cell: on one line, its pipes escaped.
fn cell(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_command_flag_and_key() {
        let page = markdown();
        for command in Cli::command().get_subcommands() {
            assert!(page.contains(&format!("\n## {}\n", command.get_name())), "{}", command.get_name());
            for arg in command.get_arguments().filter_map(Arg::get_long) {
                assert!(page.contains(&format!("--{arg}")), "--{arg}");
            }
        }
        for (key, _) in Settings::keys() {
            assert!(page.contains(&format!("| `{key}` |")), "{key}");
        }
        assert!(page.contains("| `--timeout <SECONDS>` |  | `30` | Seconds each request may take, body included |"));
        assert!(page.contains("| `--port <PORT>` |  | `8080` |"), "clap's own defaults too");
        assert!(page.contains("`VPP_CONFORMANCE_BASE_URL`"));
        assert!(page.contains("| `max-body-size` | string (`64MiB`) or integer (bytes) | `--max-body-size` |"));
        assert!(page.contains("| `headers` | array of strings (`NAME: VALUE`) | `--header` |"));
        assert!(page.contains("| `reports` | array of strings (paths) | `--report` |"));
        assert!(page.contains("`--profile <full\\|live>`"), "a pipe in a table is escaped");
    }
}
