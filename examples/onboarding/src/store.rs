//! In-memory storage: what a real service keeps in its database.

use std::{
    fmt,
    sync::{Mutex, MutexGuard, PoisonError},
};

use guardrail::validate::{Email, FetchUrl, Username};

/// One account. Its `Debug` shows neither the stored hash (salt and tag)
/// nor the uniqueness key (the whole local part); `Email` masks itself.
#[derive(Clone)]
pub struct User {
    /// The account id.
    pub id: u64,
    /// The address as given.
    pub email: Email,
    /// The address's [`Email::uniqueness_key`]: one account per key.
    pub email_key: String,
    /// The canonical user name.
    pub username: Username,
    /// The stored argon2id hash (`as_str_for_storage`).
    pub password_hash: String,
    /// The phone number sealed under associated data `users:{id}:phone`.
    pub phone_sealed: Option<Vec<u8>>,
    /// The registered webhook.
    pub webhook: Option<FetchUrl>,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("email_key", &"[REDACTED]")
            .field("username", &self.username)
            .field("password_hash", &"[REDACTED]")
            .field("phone_sealed", &self.phone_sealed.as_ref().map(|_| "[sealed]"))
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// The accounts table.
#[derive(Debug, Default)]
pub struct Db {
    users: Mutex<Vec<User>>,
}

impl Db {
    fn users(&self) -> MutexGuard<'_, Vec<User>> {
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds an account unless one has the same e-mail uniqueness key, or a
    /// user name of the same confusable skeleton; its id.
    pub fn insert(&self, email: Email, email_key: String, username: Username, password_hash: String) -> Option<u64> {
        let mut users = self.users();
        let skeleton = username.skeleton();
        if users.iter().any(|u| u.email_key == email_key || u.username.skeleton() == skeleton) {
            return None;
        }
        let id = u64::try_from(users.len()).ok()? + 1;
        let user = User { id, email, email_key, username, password_hash, phone_sealed: None, webhook: None };
        users.push(user);
        Some(id)
    }

    /// The account whose e-mail uniqueness key or user name is `login`'s.
    #[must_use]
    pub fn find_login(&self, login: &str) -> Option<User> {
        let email_key = Email::parse(login.trim()).ok().map(|e| e.uniqueness_key());
        let username = Username::parse(login.trim()).ok();
        let users = self.users();
        users
            .iter()
            .find(|u| Some(&u.email_key) == email_key.as_ref() || Some(&u.username) == username.as_ref())
            .cloned()
    }

    /// The account `id`.
    #[must_use]
    pub fn get(&self, id: u64) -> Option<User> {
        self.users().iter().find(|u| u.id == id).cloned()
    }

    /// Changes the account `id` (nothing if there is none).
    pub fn update(&self, id: u64, change: impl FnOnce(&mut User)) {
        if let Some(user) = self.users().iter_mut().find(|u| u.id == id) {
            change(user);
        }
    }
}
