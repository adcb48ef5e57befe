use super::*;

const TEMPLATE: &str = include_str!("../../../../template.yaml");

#[test]
fn the_functions_of_template_yaml_have_their_own_timeouts() {
    let template = Template::parse(TEMPLATE).expect("template.yaml is readable");
    assert_eq!(template.timeout("resolver"), Some(Duration::from_secs(90)));
    assert_eq!(template.timeout("profile"), Some(Duration::from_secs(60)));
    assert_eq!(template.timeout("webhook"), Some(Duration::from_secs(3)));
    assert_eq!(template.timeout("lookup"), Some(Duration::from_secs(10)));
    assert_eq!(template.timeout("event-source"), None);
}

const SMALL: &str = r#"
Description: >-
  Timeout: 1
  folded text that looks like keys
Globals:
  Function:
    Timeout: 30   # a comment
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      Timeout: 5
  One:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: one
    Properties:
      Timeout: "45"
      Policies:
        - Statement:
            - Sid: A
              Timeout: 7
  Two:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties:
        Binary: two
    Properties:
      Description: takes the globals' timeout
  Python:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 9
"#;

#[test]
fn a_function_without_a_timeout_takes_the_globals_and_only_functions_with_a_binary_count() {
    let template = Template::parse(SMALL).unwrap();
    let all: Vec<_> = template.timeouts().collect();
    assert_eq!(all, vec![("one", Duration::from_secs(45)), ("two", Duration::from_secs(30))]);
}

#[test]
fn without_globals_a_function_gets_lambdas_default() {
    let text = SMALL.replace("Globals:\n  Function:\n    Timeout: 30   # a comment\n", "");
    let template = Template::parse(&text).unwrap();
    assert_eq!(template.timeout("two"), Some(DEFAULT_TIMEOUT));
}

#[test]
fn a_timeout_that_is_not_seconds_is_refused_with_where_it_is() {
    for bad in ["!Ref FunctionTimeout", "0", "901", "1.5", "\"ninety\""] {
        let text = SMALL.replace("Timeout: \"45\"", &format!("Timeout: {bad}"));
        let error = Template::parse(&text).unwrap_err().to_string();
        assert!(error.starts_with("Resources.One.Properties: Timeout is a whole number"), "{bad}: {error}");
        assert!(error.contains(&format!("{bad:?}")), "{bad}: the value is quoted: {error}");
    }
}

#[test]
fn a_template_without_functions_or_a_missing_file_is_a_clear_error() {
    let error = Template::parse("Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n").unwrap_err();
    assert!(matches!(error, TemplateError::NoFunction), "{error}");
    let error = Template::load(Path::new("/nonexistent/template.yaml")).unwrap_err().to_string();
    assert!(error.starts_with("cannot read /nonexistent/template.yaml: "), "{error}");
}
