//! Parsing the attribute's options and writing the synchronous wrapper.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "braid::main",
            Kind::Test => "braid::test",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Flavor {
    MultiThread,
    CurrentThread,
}

struct Options {
    flavor: Flavor,
    worker_threads: Option<(usize, Span)>,
    start_paused: bool,
    /// Where the `braid` crate is, for crates that re-export it.
    krate: Option<syn::Path>,
}

pub(crate) fn expand(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => return with_item(error.to_compile_error(), item),
    };
    match expand_fn(args, function.clone(), kind) {
        Ok(tokens) => tokens,
        // Still expand the function, with the default options, so that
        // the rest of the crate type-checks and the only error shown is
        // ours (an `async fn main` left as it is would add rustc's own).
        // A function the defaults cannot expand either is kept as it is.
        Err(error) => {
            let error = error.to_compile_error();
            match expand_fn(TokenStream::new(), function, kind) {
                Ok(tokens) => quote! { #error #tokens },
                Err(_) => with_item(error, item),
            }
        }
    }
}

fn with_item(error: TokenStream, item: TokenStream) -> TokenStream {
    quote! { #error #item }
}

fn expand_fn(args: TokenStream, mut function: ItemFn, kind: Kind) -> syn::Result<TokenStream> {
    let options = parse_options(args, kind)?;
    if function.sig.asyncness.is_none() {
        return Err(syn::Error::new(
            function.sig.fn_token.span(),
            format!(
                "`#[{}]` needs an `async fn`: the `async` keyword is missing",
                kind.name()
            ),
        ));
    }
    // `main` is one case of `#[braid::main]`: any `async fn`, with
    // arguments and a return value, runs on a fresh runtime per call. Tests
    // are called by the test harness, which passes nothing.
    if kind == Kind::Test && !function.sig.inputs.is_empty() {
        return Err(syn::Error::new(
            function.sig.inputs.span(),
            "`#[braid::test]` functions take no arguments: the test harness calls them",
        ));
    }
    if let (Flavor::CurrentThread, Some((_, span))) = (options.flavor, options.worker_threads) {
        return Err(syn::Error::new(
            span,
            "`worker_threads` is for the multi-thread flavor only",
        ));
    }

    if kind == Kind::Test {
        if let Some(test) = function.attrs.iter().find(|attr| is_test_attribute(attr)) {
            return Err(syn::Error::new(
                test.span(),
                "a second test attribute: `#[braid::test]` already makes this a test; \
                 remove this one",
            ));
        }
    }

    function.sig.asyncness = None;
    // The body's inner attributes (`#![allow(..)]`) are parsed into the
    // function's: they go on the function as outer ones, which covers the
    // body as they did.
    for attr in &mut function.attrs {
        attr.style = syn::AttrStyle::Outer;
    }
    let body = &function.block;
    let krate = options
        .krate
        .map_or_else(|| quote! { ::braid }, |path| quote! { #path });
    let builder = match options.flavor {
        Flavor::MultiThread => quote! { #krate::Builder::new_multi_thread() },
        Flavor::CurrentThread => quote! { #krate::Builder::new_current_thread() },
    };
    let workers = options
        .worker_threads
        .map(|(n, span)| quote_spanned! {span=> .worker_threads(#n) });
    let paused = options.start_paused.then(|| quote! { .start_paused(true) });
    let test_attr = (kind == Kind::Test).then(|| quote! { #[::core::prelude::v1::test] });
    let attrs = &function.attrs;
    let vis = &function.vis;
    let sig = &function.sig;
    // The test attribute comes last, so that an attribute macro above it
    // sees that the function is a test already.
    Ok(quote! {
        #(#attrs)*
        #test_attr
        #vis #sig {
            let body = async move #body;
            #builder
                #workers
                #paused
                .build()
                .expect("failed to start the braid runtime")
                .block_on(body)
        }
    })
}

fn parse_options(args: TokenStream, kind: Kind) -> syn::Result<Options> {
    let mut options = Options {
        flavor: if kind == Kind::Test {
            Flavor::CurrentThread
        } else {
            Flavor::MultiThread
        },
        worker_threads: None,
        start_paused: false,
        krate: None,
    };
    let pairs = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut seen = Vec::new();
    for pair in pairs {
        let name = pair
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        if seen.contains(&name) {
            return Err(syn::Error::new(
                pair.path.span(),
                format!("`{name}` is set more than once"),
            ));
        }
        seen.push(name.clone());
        let value = match &pair.value {
            Expr::Lit(ExprLit { lit, .. }) => lit.clone(),
            other => return Err(syn::Error::new(other.span(), "expected a literal value")),
        };
        match (name.as_str(), value) {
            ("flavor", Lit::Str(s)) => {
                options.flavor = match s.value().as_str() {
                    "multi_thread" => Flavor::MultiThread,
                    "current_thread" => Flavor::CurrentThread,
                    other => {
                        return Err(syn::Error::new(
                            s.span(),
                            format!(
                                "unknown flavor `{other}`: expected \"multi_thread\" or \"current_thread\""
                            ),
                        ));
                    }
                };
            }
            ("worker_threads", Lit::Int(n)) => {
                let value: usize = n.base10_parse()?;
                if value == 0 {
                    return Err(syn::Error::new(
                        n.span(),
                        "`worker_threads` must be at least 1",
                    ));
                }
                options.worker_threads = Some((value, n.span()));
            }
            ("start_paused", Lit::Bool(b)) => options.start_paused = b.value,
            ("crate", Lit::Str(s)) => options.krate = Some(s.parse()?),
            ("flavor" | "worker_threads" | "start_paused" | "crate", other) => {
                return Err(syn::Error::new(
                    other.span(),
                    format!("wrong kind of value for `{name}`"),
                ));
            }
            _ => {
                return Err(syn::Error::new(
                    pair.path.span(),
                    format!(
                        "unknown option `{name}` for `#[{}]`: expected `flavor`, `worker_threads`, `start_paused` or `crate`",
                        kind.name()
                    ),
                ));
            }
        }
    }
    Ok(options)
}

/// Whether `attr` is the built-in `#[test]`, by any of its paths
/// (`test`, `core::prelude::v1::test`, `::std::prelude::rust_2021::test`).
fn is_test_attribute(attr: &syn::Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|segment| segment.ident.to_string())
        .collect();
    match segments.as_slice() {
        [name] => name == "test",
        [krate, prelude, _, name] => {
            (krate == "core" || krate == "std") && prelude == "prelude" && name == "test"
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion of `item` under `args`, parsed back as a file.
    fn expanded(args: TokenStream, item: TokenStream, kind: Kind) -> syn::File {
        syn::parse2(expand(args, item, kind)).expect("the expansion parses")
    }

    /// How many `compile_error!`s the expansion holds.
    fn errors(file: &syn::File) -> usize {
        file.items
            .iter()
            .filter(|item| match item {
                syn::Item::Macro(item) => item
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == "compile_error"),
                _ => false,
            })
            .count()
    }

    fn function(file: &syn::File) -> &ItemFn {
        file.items
            .iter()
            .find_map(|item| match item {
                syn::Item::Fn(function) => Some(function),
                _ => None,
            })
            .expect("a function in the expansion")
    }

    #[test]
    fn inner_attributes_of_the_body_go_on_the_function() {
        let file = expanded(
            TokenStream::new(),
            quote! { async fn case() { #![allow(unused_variables)] let x = 1; } },
            Kind::Test,
        );
        let function = function(&file);
        assert!(
            function
                .attrs
                .iter()
                .all(|attr| matches!(attr.style, syn::AttrStyle::Outer))
        );
        assert!(
            function
                .attrs
                .iter()
                .any(|attr| attr.path().is_ident("allow"))
        );
        assert_eq!(errors(&file), 0);
    }

    #[test]
    fn the_test_attribute_comes_after_the_functions_own() {
        let file = expanded(
            TokenStream::new(),
            quote! { #[should_panic] async fn case() { panic!() } },
            Kind::Test,
        );
        let paths: Vec<String> = function(&file)
            .attrs
            .iter()
            .map(|attr| quote!(#attr).to_string())
            .collect();
        assert_eq!(paths.len(), 2, "{paths:?}");
        assert!(paths[0].contains("should_panic"), "{paths:?}");
        assert!(is_test_attribute(&function(&file).attrs[1]), "{paths:?}");
    }

    #[test]
    fn a_second_test_attribute_is_refused() {
        for second in [
            quote! { #[test] },
            quote! { #[::core::prelude::v1::test] },
            quote! { #[std::prelude::rust_2021::test] },
        ] {
            let file = expanded(
                TokenStream::new(),
                quote! { #second async fn case() {} },
                Kind::Test,
            );
            assert_eq!(errors(&file), 1, "{second}");
        }
    }

    #[test]
    fn an_option_set_twice_is_refused() {
        let file = expanded(
            quote! { flavor = "current_thread", flavor = "multi_thread" },
            quote! { async fn main() {} },
            Kind::Main,
        );
        assert_eq!(errors(&file), 1);
    }

    #[test]
    fn a_wrong_option_leaves_one_error_and_a_function_that_is_not_async() {
        let file = expanded(
            quote! { flavor = "single" },
            quote! { async fn main() {} },
            Kind::Main,
        );
        assert_eq!(errors(&file), 1);
        assert!(function(&file).sig.asyncness.is_none());
    }
}
