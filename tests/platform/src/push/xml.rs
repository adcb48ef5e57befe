//! The message XML of a push and its three body modes (docs/push.md, "Message
//! XML" and "Body modes"), laid out like the real captures: one element a
//! line, text in CDATA, numbers bare.

use super::Body;

enum Value<'a> {
    Text(&'a str),
    Bare(String),
}

/// The message XML.
pub(crate) fn message(gh_id: &str, openid: &str, create_time: i64, msg_id: Option<u64>, body: &Body) -> String {
    let mut fields: Vec<(&str, Value<'_>)> = vec![
        ("ToUserName", Value::Text(gh_id)),
        ("FromUserName", Value::Text(openid)),
        ("CreateTime", Value::Bare(create_time.to_string())),
        ("MsgType", Value::Text(body.msg_type())),
    ];
    match body {
        Body::Text { content } => fields.push(("Content", Value::Text(content))),
        Body::Image { pic_url, media_id } => {
            fields.push(("PicUrl", Value::Text(pic_url)));
            fields.push(("MediaId", Value::Text(media_id)));
        }
        Body::Voice { media_id, format, recognition } => {
            fields.push(("MediaId", Value::Text(media_id)));
            fields.push(("Format", Value::Text(format)));
            if let Some(recognition) = recognition {
                fields.push(("Recognition", Value::Text(recognition)));
            }
        }
        Body::Video { media_id, thumb_media_id } | Body::ShortVideo { media_id, thumb_media_id } => {
            fields.push(("MediaId", Value::Text(media_id)));
            fields.push(("ThumbMediaId", Value::Text(thumb_media_id)));
        }
        Body::Location { x, y, scale, label } => {
            fields.push(("Location_X", Value::Bare(x.clone())));
            fields.push(("Location_Y", Value::Bare(y.clone())));
            fields.push(("Scale", Value::Bare(scale.clone())));
            fields.push(("Label", Value::Text(label)));
        }
        Body::Link { title, description, url } => {
            fields.push(("Title", Value::Text(title)));
            fields.push(("Description", Value::Text(description)));
            fields.push(("Url", Value::Text(url)));
        }
        Body::Subscribe { scene, ticket } => {
            fields.push(("Event", Value::Text("subscribe")));
            match scene {
                Some(scene) => fields.push(("EventKey", Value::Bare(format!("<![CDATA[qrscene_{}]]>", cdata(scene))))),
                None => fields.push(("EventKey", Value::Text(""))),
            }
            if let Some(ticket) = ticket {
                fields.push(("Ticket", Value::Text(ticket)));
            }
        }
        Body::Unsubscribe => {
            fields.push(("Event", Value::Text("unsubscribe")));
            fields.push(("EventKey", Value::Text("")));
        }
        Body::Scan { scene, ticket } => {
            fields.push(("Event", Value::Text("SCAN")));
            fields.push(("EventKey", Value::Text(scene)));
            if let Some(ticket) = ticket {
                fields.push(("Ticket", Value::Text(ticket)));
            }
        }
        Body::LocationEvent { latitude, longitude, precision } => {
            fields.push(("Event", Value::Text("LOCATION")));
            fields.push(("Latitude", Value::Bare(latitude.clone())));
            fields.push(("Longitude", Value::Bare(longitude.clone())));
            fields.push(("Precision", Value::Bare(precision.clone())));
        }
        Body::Click { key } => {
            fields.push(("Event", Value::Text("CLICK")));
            fields.push(("EventKey", Value::Text(key)));
        }
        Body::View { url, menu_id } => {
            fields.push(("Event", Value::Text("VIEW")));
            fields.push(("EventKey", Value::Text(url)));
            if let Some(menu_id) = menu_id {
                fields.push(("MenuId", Value::Bare(menu_id.clone())));
            }
        }
    }
    if let Some(msg_id) = msg_id {
        fields.push(("MsgId", Value::Bare(msg_id.to_string())));
    }
    let mut xml = String::with_capacity(512);
    xml.push_str("<xml>");
    for (name, value) in fields {
        match value {
            Value::Text(text) => element(&mut xml, name, &format!("<![CDATA[{}]]>", cdata(text))),
            Value::Bare(bare) => element(&mut xml, name, &bare),
        }
        xml.push('\n');
    }
    xml.push_str("</xml>");
    xml
}

/// Compatible mode: the plain fields and `<Encrypt>` side by side.
pub(crate) fn compatible(message_xml: &str, encrypt: &str) -> String {
    let body = message_xml.strip_suffix("</xml>").unwrap_or(message_xml);
    let mut xml = String::with_capacity(body.len() + encrypt.len() + 40);
    xml.push_str(body);
    element(&mut xml, "Encrypt", &format!("<![CDATA[{encrypt}]]>"));
    xml.push_str("\n</xml>");
    xml
}

/// Safe mode: only `<ToUserName>` and `<Encrypt>`.
pub(crate) fn safe(gh_id: &str, encrypt: &str) -> String {
    let mut xml = String::from("<xml>");
    element(&mut xml, "ToUserName", &format!("<![CDATA[{}]]>", cdata(gh_id)));
    xml.push('\n');
    element(&mut xml, "Encrypt", &format!("<![CDATA[{encrypt}]]>"));
    xml.push_str("\n</xml>");
    xml
}

fn element(xml: &mut String, name: &str, inner: &str) {
    xml.push('<');
    xml.push_str(name);
    xml.push('>');
    xml.push_str(inner);
    xml.push_str("</");
    xml.push_str(name);
    xml.push('>');
}

/// CDATA cannot hold `]]>`: split it across two sections.
fn cdata(text: &str) -> String {
    text.replace("]]>", "]]]]><![CDATA[>")
}
