use super::*;

/// A push of `msg_type` with `fields` after the common elements.
fn push(msg_type: &str, fields: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[o1]]></FromUserName>\
         <CreateTime>1457742803</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{fields}</xml>"
    )
}

fn pairs(details: &Details) -> Vec<(&str, &str)> {
    details.iter().collect()
}

#[test]
fn a_text_has_its_content_in_the_features_and_keeps_the_article_fields() {
    let plain = Details::from_xml(&push("text", "<Content>hi</Content><MsgId>1</MsgId>"));
    assert!(plain.is_empty(), "{plain:?}");
    let article =
        Details::from_xml(&push("text", "<Content>hi</Content><MsgId>1</MsgId><Idx>2</Idx><MsgDataId>7</MsgDataId>"));
    assert_eq!(pairs(&article), [("msg_data_id", "7"), ("idx", "2")]);
}

#[test]
fn an_image_answers_its_picture_url_and_media_id() {
    let xml = push("image", "<PicUrl><![CDATA[http://mmbiz.example/p]]></PicUrl><MsgId>1</MsgId><MediaId>m1</MediaId>");
    assert_eq!(pairs(&Details::from_xml(&xml)), [("pic_url", "http://mmbiz.example/p"), ("media_id", "m1")]);
}

#[test]
fn a_voice_answers_its_transcript_when_speech_was_recognised() {
    let heard = push("voice", "<MediaId>m</MediaId><Format>amr</Format><Recognition><![CDATA[你好]]></Recognition>");
    assert_eq!(pairs(&Details::from_xml(&heard)), [("media_id", "m"), ("format", "amr"), ("recognition", "你好")]);
    let silent = push("voice", "<MediaId>m</MediaId><Format>amr</Format>");
    assert_eq!(pairs(&Details::from_xml(&silent)), [("media_id", "m"), ("format", "amr")]);
}

#[test]
fn videos_and_short_videos_answer_both_media_ids() {
    for msg_type in ["video", "shortvideo"] {
        let xml = push(msg_type, "<ThumbMediaId>t</ThumbMediaId><MediaId>m</MediaId>");
        assert_eq!(pairs(&Details::from_xml(&xml)), [("media_id", "m"), ("thumb_media_id", "t")], "{msg_type}");
    }
}

#[test]
fn a_location_answers_its_coordinates_scale_and_label() {
    let xml = push(
        "location",
        "<Location_X>30.195360</Location_X><Location_Y>109.32305</Location_Y><Scale>10</Scale><Label>恩施市</Label>",
    );
    assert_eq!(
        pairs(&Details::from_xml(&xml)),
        [("location_x", "30.195360"), ("location_y", "109.32305"), ("scale", "10"), ("label", "恩施市")]
    );
}

#[test]
fn a_link_answers_its_title_description_and_url_as_sent() {
    let xml =
        push("link", "<Title>t &amp; u</Title><Description>d</Description><Url><![CDATA[http://x/?a=1&b=2]]></Url>");
    assert_eq!(
        pairs(&Details::from_xml(&xml)),
        [("title", "t & u"), ("description", "d"), ("url", "http://x/?a=1&b=2")]
    );
}

#[test]
fn events_answer_the_fields_they_carry() {
    let cases = [
        ("<Event>subscribe</Event><EventKey></EventKey>", vec![("event_key", "")]),
        (
            "<Event>subscribe</Event><EventKey>qrscene_7</EventKey><Ticket>tk</Ticket>",
            vec![("event_key", "qrscene_7"), ("ticket", "tk")],
        ),
        ("<Event>SCAN</Event><EventKey>7</EventKey><Ticket>tk</Ticket>", vec![("event_key", "7"), ("ticket", "tk")]),
        (
            "<Event>LOCATION</Event><Latitude>23.1</Latitude><Longitude>113.3</Longitude><Precision>65</Precision>",
            vec![("latitude", "23.1"), ("longitude", "113.3"), ("precision", "65")],
        ),
        ("<Event>CLICK</Event><EventKey>K</EventKey>", vec![("event_key", "K")]),
        (
            "<Event>VIEW</Event><EventKey>http://x/</EventKey><MenuId>12</MenuId>",
            vec![("event_key", "http://x/"), ("menu_id", "12")],
        ),
        ("<Event>unsubscribe</Event>", vec![]),
    ];
    for (fields, expected) in cases {
        assert_eq!(pairs(&Details::from_xml(&push("event", fields))), expected, "{fields}");
    }
}

#[test]
fn unknown_types_events_and_elements_keep_every_element_by_its_name() {
    let unknown = push("miniprogrampage", "<Title>t</Title><AppId>wx1</AppId><MsgId>9</MsgId><Content>c</Content>");
    assert_eq!(pairs(&Details::from_xml(&unknown)), [("Title", "t"), ("AppId", "wx1"), ("Content", "c")]);
    let event = push("event", "<Event>TEMPLATESENDJOBFINISH</Event><Status>success</Status><MsgID>5</MsgID>");
    assert_eq!(pairs(&Details::from_xml(&event)), [("Status", "success"), ("MsgID", "5")]);
    let extra = push("image", "<PicUrl>p</PicUrl><MediaId>m</MediaId><Extra><a>1</a></Extra><MediaId>again</MediaId>");
    assert_eq!(pairs(&Details::from_xml(&extra)), [("pic_url", "p"), ("media_id", "m"), ("Extra", "<a>1</a>")]);
}

#[test]
fn unknown_elements_are_answered_up_to_the_bound_and_once_a_name() {
    let many: String = (0..100).map(|i| format!("<F{i}>{i}</F{i}><F0>again</F0>")).collect();
    let details = Details::from_xml(&push("future", &many));
    assert_eq!(details.len(), MAX_ELEMENTS);
    assert_eq!(details.get("F0"), Some("0"));
    assert_eq!(details.get(&format!("F{}", MAX_ELEMENTS - 1)), Some(&*(MAX_ELEMENTS - 1).to_string()));
    let events: String = (0..100).map(|i| format!("<F{i}>{i}</F{i}>")).collect();
    let details = Details::from_xml(&push("event", &format!("<Event>X</Event><EventKey>k</EventKey>{events}")));
    assert_eq!(details.len(), MAX_ELEMENTS);
    assert_eq!(details.get("event_key"), Some("k"));
}

#[test]
fn a_row_whose_xml_is_not_a_push_has_no_details() {
    for raw in [
        "",
        "<xml/>",
        "not xml",
        "<xml><PicUrl>p</PicUrl></xml>",
        "<!DOCTYPE xml [<!ENTITY a \"a\">]><xml><A>&a;</A></xml>",
        &push("image", "<PicUrl>p</PicUrl>").replace("</xml>", ""),
    ] {
        assert!(Details::from_xml(raw).is_empty(), "{raw}");
    }
}

#[test]
fn details_are_a_json_object_in_the_order_answered() -> Result<(), serde_json::Error> {
    let xml = push("location", "<Label>L</Label><Scale>3</Scale><Location_Y>2</Location_Y><Location_X>1</Location_X>");
    let json = serde_json::to_string(&Details::from_xml(&xml))?;
    assert_eq!(json, r#"{"location_x":"1","location_y":"2","scale":"3","label":"L"}"#);
    Ok(())
}
