//! What the admin tests share: an account as typed, the tool on a fresh
//! table of moto, and readers of what it wrote. Each test file uses some.
#![allow(dead_code)]

use aws_sdk_dynamodb::types::AttributeValue;
use whosent::secrets::{ConsoleSecret, MarkerSecret, PushSecret, Secret, SecretSource, parse};
use whosent::store::{ResolveHint, ResolveRequest, ResolveState, Strategy};
use whosent_admin::{AccountInput, Admin};
use whosent_integration::LocalAws;

pub const KEY_A: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
pub const KEY_B: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq";

pub fn input(id: &str) -> AccountInput {
    AccountInput {
        id: id.to_owned(),
        appid: "wx0123456789abcdef".into(),
        gh_id: "gh_0123456789ab".into(),
        token: Secret::new("Token2013".into()),
        aes_key: Secret::new(KEY_A.into()),
        previous_aes_key: None,
        username: format!("{id}@example.com"),
        password: Secret::new("first-password".into()),
        strategy: Strategy::UserList,
        mode: None,
        marker_key: None,
    }
}

pub async fn setup() -> (LocalAws, String, Admin) {
    let aws = LocalAws::connect().await;
    let table = aws.fresh_table("admin").await;
    let admin = Admin::new(&aws.config, &table);
    (aws, table, admin)
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:08x}", rand::random::<u32>())
}

pub async fn push_secret(admin: &Admin, id: &str) -> PushSecret {
    let value = admin.secrets.secret(&format!("whosent/{id}/push")).await.unwrap().expect("push secret");
    parse(id, value.string.expose()).unwrap()
}

pub async fn raw_secret(admin: &Admin, name: &str) -> String {
    admin.secrets.secret(name).await.unwrap().expect("secret").string.expose().clone()
}

pub async fn marker_secret(admin: &Admin, id: &str) -> MarkerSecret {
    let name = format!("whosent/{id}/marker");
    parse(&name, &raw_secret(admin, &name).await).unwrap()
}

pub async fn console_secret(admin: &Admin, id: &str) -> (ConsoleSecret, Option<String>) {
    let value = admin.secrets.secret(&format!("whosent/{id}/console")).await.unwrap().expect("console secret");
    (parse(id, value.string.expose()).unwrap(), value.version)
}

pub async fn put_request(admin: &Admin, id: &str, open_id: &str, state: ResolveState) {
    let hint = ResolveHint {
        create_time: 1,
        msg_type: "text".into(),
        msg_id: None,
        content: None,
        marker_planted: false,
        event: None,
    };
    let request = ResolveRequest {
        account: id.to_owned(),
        open_id: open_id.to_owned(),
        state,
        message_count: 1,
        first_hint: hint.clone(),
        last_hint: hint,
        first_seen_at: 1,
        updated_at: 1,
        reason: (state == ResolveState::Waiting).then(|| "captcha_required".to_owned()),
        fake_id: None,
    };
    let mut item: std::collections::HashMap<String, AttributeValue> = serde_dynamo::to_item(&request).unwrap();
    item.insert("pk".into(), AttributeValue::S(format!("ACCT#{id}")));
    item.insert("sk".into(), AttributeValue::S(format!("RESOLVE#{open_id}")));
    item.insert("kind".into(), AttributeValue::S("resolve_request".into()));
    admin.store.client().put_item().table_name(admin.store.table()).set_item(Some(item)).send().await.unwrap();
}
