//! `whosent`: the operators' CLI. See `whosent help` and the README.
//!
//! Secrets (`--token`, `--aes-key`, `--previous-aes-key`, `--password`,
//! `--marker-key`) can come from the environment (`WHOSENT_TOKEN`,
//! `WHOSENT_AES_KEY`, `WHOSENT_PREVIOUS_AES_KEY`, `WHOSENT_PASSWORD`,
//! `WHOSENT_MARKER_KEY`) or from standard input (give `-` as the value: one
//! line is read for each `-`, in that order), so they stay out of the shell's
//! history. They are never printed.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use aws_sdk_dynamodb::config::{Credentials, Region};
use clap::{Args, Parser, Subcommand, ValueEnum};
use whosent::push::BodyMode;
use whosent::secrets::Secret;
use whosent::store::Strategy;
use whosent_admin::{
    AccountInput, Admin, AdminError, Cleared, MarkerOrigin, callback_url, endpoints, format_list, format_report,
    name_of,
};

#[derive(Parser, Debug)]
#[command(name = "whosent", version, about = "whosent's admin CLI: accounts, their secrets and states, the table")]
struct Cli {
    /// Use the local stack: endpoint, credentials, region, table and webhook
    /// URL from `$STACK_DIR/endpoints.env` (STACK_DIR defaults to `.local`).
    #[arg(long, global = true)]
    local: bool,
    /// With --local: another endpoints file.
    #[arg(long, global = true, value_name = "FILE")]
    endpoints: Option<PathBuf>,
    /// The table (default: `TABLE_NAME`, or the endpoints file's with --local).
    #[arg(long, global = true)]
    table: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The table.
    #[command(subcommand)]
    Table(TableCommand),
    /// Registered accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// Keys of the lookup API.
    #[command(subcommand, name = "api-keys")]
    ApiKeys(ApiKeysCommand),
}

#[derive(Subcommand, Debug)]
enum TableCommand {
    /// Creates the table (indexes, stream, TTL) and its sessions table (`TABLE-sessions`) unless they exist.
    Create,
}

#[derive(Subcommand, Debug)]
enum AccountsCommand {
    /// Registers an account, or updates it: its secrets and its registry item.
    Add(Box<AddArgs>),
    /// Every account: id, strategy, body mode, state.
    List,
    /// An account's state and reason, resolve requests by state, last login.
    Show { id: String },
    /// Sets the account active again and resumes its waiting resolve requests
    /// and profiles.
    Clear { id: String },
}

#[derive(Subcommand, Debug)]
enum ApiKeysCommand {
    /// Adds a key (random unless --key) to the API keys secret; prints it.
    Add {
        #[arg(long, env = "API_KEYS_SECRET", default_value = "whosent/api-keys")]
        secret: String,
        #[arg(long, env = "WHOSENT_API_KEY", hide_env_values = true)]
        key: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StrategyArg {
    Time,
    #[value(name = "user_list", alias = "user-list")]
    UserList,
    Auto,
}

/// The platform's body modes (its "message encryption" setting).
#[derive(Clone, Copy, Debug, ValueEnum)]
enum ModeArg {
    /// The message XML as is.
    Plaintext,
    /// Plain fields and the encrypted body side by side.
    Compatible,
    /// The encrypted body only: the platform's recommended setting.
    Safe,
}

impl From<ModeArg> for BodyMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::Plaintext => BodyMode::Plaintext,
            ModeArg::Compatible => BodyMode::Compatible,
            ModeArg::Safe => BodyMode::Safe,
        }
    }
}

#[derive(Args, Debug)]
struct AddArgs {
    /// The account's id in whosent: the callback path `/wechat/{id}`.
    #[arg(long)]
    id: String,
    /// The platform appid (`wx…`).
    #[arg(long)]
    appid: String,
    /// The platform's `gh_…` id (the pushes' ToUserName).
    #[arg(long = "gh-id")]
    gh_id: String,
    /// The push token (`-`: read from stdin).
    #[arg(long, env = "WHOSENT_TOKEN", hide_env_values = true)]
    token: String,
    /// The current EncodingAESKey (`-`: read from stdin).
    #[arg(long = "aes-key", env = "WHOSENT_AES_KEY", hide_env_values = true)]
    aes_key: String,
    /// The previous EncodingAESKey, tried after the current one (default: the
    /// stored current key when it changes, else the stored previous one).
    #[arg(long = "previous-aes-key", env = "WHOSENT_PREVIOUS_AES_KEY", hide_env_values = true)]
    previous_aes_key: Option<String>,
    /// The console username.
    #[arg(long)]
    username: String,
    /// The console password (`-`: read from stdin).
    #[arg(long, env = "WHOSENT_PASSWORD", hide_env_values = true)]
    password: String,
    #[arg(long, value_enum)]
    strategy: StrategyArg,
    /// The body mode set in the platform's settings for this account (a
    /// compatible or safe account's pushes must be signed over their encrypted
    /// body). Default: safe for a new account; an existing account keeps its
    /// stored mode unless --mode is given.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Key of the user-list marker, kept in the marker secret (default: the
    /// stored one, else a random one).
    #[arg(long = "marker-key", env = "WHOSENT_MARKER_KEY", hide_env_values = true)]
    marker_key: Option<String>,
    /// Base of the webhook's routes, for the callback URL printed (default:
    /// `WEBHOOK_URL`, or the endpoints file's with --local).
    #[arg(long = "webhook-base")]
    webhook_base: Option<String>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("whosent: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// Where to reach AWS, and the defaults the endpoints file gives.
struct Target {
    config: aws_config::SdkConfig,
    table: String,
    webhook_base: Option<String>,
}

async fn target(cli: &Cli) -> Result<Target, AdminError> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if cli.local || cli.endpoints.is_some() {
        let path = cli.endpoints.clone().unwrap_or_else(endpoints::default_path);
        let values = endpoints::load(&path)?;
        let get = |key: &str| {
            values.get(key).cloned().ok_or_else(|| AdminError::EndpointsFile {
                path: path.display().to_string(),
                reason: format!("{key} is missing"),
            })
        };
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(get("AWS_ENDPOINT_URL")?)
            .region(Region::new(values.get("AWS_REGION").cloned().unwrap_or_else(|| "us-east-1".to_owned())))
            .credentials_provider(Credentials::new(
                get("AWS_ACCESS_KEY_ID")?,
                get("AWS_SECRET_ACCESS_KEY")?,
                None,
                None,
                "endpoints.env",
            ))
            .load()
            .await;
        let table = match &cli.table {
            Some(table) => table.clone(),
            None => get("TABLE_NAME")?,
        };
        return Ok(Target { config, table, webhook_base: values.get("WEBHOOK_URL").cloned() });
    }
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let table = cli
        .table
        .clone()
        .or_else(|| env("TABLE_NAME"))
        .ok_or_else(|| AdminError::Config("no table: give --table, set TABLE_NAME, or use --local".into()))?;
    Ok(Target { config, table, webhook_base: env("WEBHOOK_URL") })
}

async fn run(cli: Cli) -> Result<String, AdminError> {
    // Check what was typed before reaching AWS.
    let input = match &cli.command {
        Command::Accounts(AccountsCommand::Add(args)) => Some(account_input(args, &mut stdin_lines())?),
        _ => None,
    };
    let target = target(&cli).await?;
    let admin = Admin::new(&target.config, &target.table);
    match cli.command {
        Command::Table(TableCommand::Create) => {
            admin.create_table().await?;
            Ok(format!("tables {} and {} are there\n", admin.store.table(), admin.store.session_table()))
        }
        Command::Accounts(AccountsCommand::Add(args)) => {
            let input = input.ok_or_else(|| AdminError::Config("no account input".into()))?;
            let base = args.webhook_base.clone().or(target.webhook_base);
            if let Some(base) = &base {
                whosent_admin::validate::webhook_base(base)?;
            }
            let added = admin.add_account(&input).await?;
            let a = &added.account;
            let mut out = format!(
                "account {} {} (strategy {}, body mode {}, state {})\n",
                a.id,
                if added.created { "created" } else { "updated" },
                name_of(&a.strategy),
                name_of(&a.mode),
                name_of(&a.state)
            );
            let written = |yes: bool| if yes { "written" } else { "unchanged" };
            out.push_str(&format!("push secret {}: {}\n", a.push_secret, written(added.push_written)));
            out.push_str(&format!("console secret {}: {}\n", a.console_secret, written(added.console_written)));
            let origin = match added.marker {
                MarkerOrigin::Generated => " (key generated)",
                MarkerOrigin::CarriedOver => " (key carried over from the push secret)",
                MarkerOrigin::Given | MarkerOrigin::Kept => "",
            };
            out.push_str(&format!("marker secret {}: {}{origin}\n", a.marker_secret, written(added.marker_written)));
            if let Some(resumed) = added.resumed {
                out.push_str(&format!(
                    "the new console secret lifted credentials_rejected: the account is active again; {}\n",
                    resumed_text(resumed)
                ));
            }
            match base {
                Some(base) => out.push_str(&format!("callback URL: {}\n", callback_url(&base, &a.id))),
                None => out.push_str(&format!(
                    "callback URL: <webhook base>/wechat/{} (give --webhook-base or set WEBHOOK_URL to print it whole)\n",
                    a.id
                )),
            }
            Ok(out)
        }
        Command::Accounts(AccountsCommand::List) => Ok(format_list(&admin.accounts().await?)),
        Command::Accounts(AccountsCommand::Show { id }) => Ok(format_report(&admin.show(&id).await?)),
        Command::Accounts(AccountsCommand::Clear { id }) => {
            let cleared = admin.clear(&id).await?;
            Ok(format!("account {id} is active; {}\n", resumed_text(cleared)))
        }
        Command::ApiKeys(ApiKeysCommand::Add { secret, key }) => {
            let key = admin.add_api_key(&secret, key).await?;
            Ok(format!("{key}\n"))
        }
    }
}

fn resumed_text(resumed: Cleared) -> String {
    format!(
        "{} waiting resolve request(s) set back to pending, {} profile(s) asked for again",
        resumed.requests, resumed.profiles
    )
}

fn stdin_lines() -> impl FnMut(&'static str) -> Result<String, AdminError> {
    let stdin = std::io::stdin();
    move |field| {
        let mut line = String::new();
        let read = stdin.lock().read_line(&mut line).map_err(|e| AdminError::Input(e.to_string()))?;
        if read == 0 {
            return Err(AdminError::Input(format!("--{field} is `-` but standard input has no more lines")));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

/// The account as typed, `-` values read from `read_line` in the documented order.
fn account_input(
    args: &AddArgs,
    read_line: &mut impl FnMut(&'static str) -> Result<String, AdminError>,
) -> Result<AccountInput, AdminError> {
    let mut secret = |field: &'static str, value: &str| -> Result<Secret<String>, AdminError> {
        Ok(Secret::new(if value == "-" { read_line(field)? } else { value.to_owned() }))
    };
    let token = secret("token", &args.token)?;
    let aes_key = secret("aes-key", &args.aes_key)?;
    let previous_aes_key = args.previous_aes_key.as_deref().map(|v| secret("previous-aes-key", v)).transpose()?;
    let password = secret("password", &args.password)?;
    let marker_key = args.marker_key.as_deref().map(|v| secret("marker-key", v)).transpose()?;
    let input = AccountInput {
        id: args.id.clone(),
        appid: args.appid.clone(),
        gh_id: args.gh_id.clone(),
        token,
        aes_key,
        previous_aes_key,
        username: args.username.clone(),
        password,
        strategy: match args.strategy {
            StrategyArg::Time => Strategy::Time,
            StrategyArg::UserList => Strategy::UserList,
            StrategyArg::Auto => Strategy::Auto,
        },
        mode: args.mode.map(BodyMode::from),
        marker_key,
    };
    input.validate()?;
    Ok(input)
}

#[cfg(test)]
mod tests;
