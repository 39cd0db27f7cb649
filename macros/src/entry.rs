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
    match expand_fn(args, function, kind) {
        Ok(tokens) => tokens,
        // Keep the item so the rest of the crate still type-checks and the
        // only error shown is ours.
        Err(error) => with_item(error.to_compile_error(), item),
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

    function.sig.asyncness = None;
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
    Ok(quote! {
        #test_attr
        #(#attrs)*
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
    for pair in pairs {
        let name = pair
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
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
