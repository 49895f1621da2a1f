export const LARGE_PUBLIC_URL = 'https://badges.example.org';
